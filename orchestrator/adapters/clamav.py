"""ClamAV through ``clamscan``: the production :class:`~orchestrator.checks.malware.MalwareScanner`.

Debian's ``clamav`` package ships the scanner but no signatures; ``freshclam`` (or an
operator's mirror) fills ``/var/lib/clamav``. The database folder can be pointed
elsewhere, which is how tests use a local signature made with ``sigtool``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from orchestrator.checks.malware import MalwareScanError

DEFAULT_DATABASE = Path("/var/lib/clamav")
BATCH = 500
"""Files per clamscan run: keeps the command line short; each run reloads the database."""
SIGNATURE_SUFFIXES = (
    ".cvd",
    ".cld",
    ".cud",
    ".ndb",
    ".hdb",
    ".hsb",
    ".mdb",
    ".msb",
    ".ldb",
    ".ndu",
    ".yar",
    ".yara",
    ".cdb",
    ".idb",
)


class ClamAVScanner:
    """Scans files with ``clamscan`` against a signature database folder."""

    def __init__(
        self,
        database: Path | None = None,
        *,
        clamscan: str = "clamscan",
        timeout_seconds: float = 900.0,
    ) -> None:
        self.database = database or DEFAULT_DATABASE
        self.clamscan = clamscan
        self.timeout_seconds = timeout_seconds

    def unavailable_reason(self) -> str | None:
        """None when clamscan and a signature database are present, else why not."""
        if shutil.which(self.clamscan) is None:
            return f"`{self.clamscan}` is not installed (Debian package `clamav`)"
        if not self.database.is_dir():
            return f"the signature database folder {self.database} does not exist"
        if not any(p.suffix in SIGNATURE_SUFFIXES for p in self.database.iterdir()):
            return f"the signature database folder {self.database} holds no signatures"
        return None

    def scan(self, paths: Sequence[Path]) -> Mapping[Path, Sequence[str]]:
        """Signature names found per file; raises MalwareScanError when clamscan fails."""
        found: dict[Path, list[str]] = {}
        for start in range(0, len(paths), BATCH):
            found.update(self._scan_batch(paths[start : start + BATCH]))
        return found

    def _scan_batch(self, paths: Sequence[Path]) -> dict[Path, list[str]]:
        command = [
            self.clamscan,
            "--no-summary",
            "--infected",
            "--stdout",
            "--recursive=no",
            f"--database={self.database}",
            "--",
            *(str(p) for p in paths),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout_seconds, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MalwareScanError(f"clamscan could not run: {exc}") from exc
        if done.returncode not in (0, 1):
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise MalwareScanError(
                f"clamscan exited with status {done.returncode}: {detail[-1] if detail else 'no output'}"
            )
        by_name = {str(p): p for p in paths}
        found: dict[Path, list[str]] = {}
        for line in done.stdout.splitlines():
            if not line.endswith(" FOUND"):
                continue
            name, _, signature = line[: -len(" FOUND")].rpartition(": ")
            path = by_name.get(name)
            if path is not None:
                found.setdefault(path, []).append(signature)
        return found
