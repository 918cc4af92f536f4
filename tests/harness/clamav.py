"""A ClamAV signature database built locally with ``sigtool`` (Debian ships none, and
signatures cannot be downloaded here): one MD5 signature for a harmless marker file."""

from __future__ import annotations

import subprocess
from pathlib import Path

MARKER = b"tre-orchestrator malware test marker: not a real virus\n"
SIGNATURE = "TRE.Test.Marker"


def make_signature_database(folder: Path) -> Path:
    """Write a database matching :data:`MARKER` into ``folder`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = folder / "sample.bin"
    sample.write_bytes(MARKER)
    signature = subprocess.run(
        ["sigtool", "--md5", str(sample)], capture_output=True, text=True, check=True
    ).stdout
    (folder / "tre-test.hdb").write_text(signature.replace("sample.bin", SIGNATURE))
    sample.unlink()
    return folder
