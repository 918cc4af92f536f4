"""Keyed manifests of a project's copy of files that are not tables.

A file that is not a table cannot be perturbed without damaging it, so a project's copy
is recorded instead: per file, its SHA-256 and an HMAC under the project's key, and per
record (line), a truncated HMAC. A file or lines found outside can then be checked
against the manifests of the projects granted it; the HMACs name nothing to someone
without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FileEntry:
    """One file of a project's copy."""

    sha256: str
    keyed: str
    records: frozenset[str]


def _record_hmac(key: bytes, line: bytes) -> str:
    return hmac.new(key, line.rstrip(b"\r\n"), hashlib.sha256).hexdigest()[:16]


def make_file_manifest(files: Mapping[str, bytes], key: bytes) -> dict[str, FileEntry]:
    """The keyed manifest of a project's copy: per-file and per-line hashes."""
    if not key:
        raise ValueError("the manifest key is empty; give a secret key")
    return {
        name: FileEntry(
            sha256=hashlib.sha256(data).hexdigest(),
            keyed=hmac.new(key, data, hashlib.sha256).hexdigest(),
            records=frozenset(
                _record_hmac(key, line) for line in data.splitlines() if line.strip()
            ),
        )
        for name, data in sorted(files.items())
    }


def records_found(manifest: Mapping[str, FileEntry], data: bytes, key: bytes) -> dict[str, int]:
    """For each manifest file, how many of ``data``'s non-empty lines are its records."""
    found = {_record_hmac(key, line) for line in data.splitlines() if line.strip()}
    return {
        name: len(found & entry.records)
        for name, entry in manifest.items()
        if found & entry.records
    }
