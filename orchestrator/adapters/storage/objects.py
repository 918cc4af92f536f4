"""Values describing stored objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredObject:
    """The SHA-256 (hex) and size in bytes of an object, as measured while streaming it."""

    sha256: str
    size: int
