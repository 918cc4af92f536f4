"""Where pinned versions, cached binaries and tool folders live."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSIONS_FILE = REPO_ROOT / ".ci" / "versions.env"


def cache_dir() -> Path:
    """The git-ignored cache of built binaries, shared by every clone on this machine."""
    explicit = os.environ.get("TRE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tre-orchestrator"


def pinned_versions() -> dict[str, str]:
    """The ``NAME=VERSION`` pins from ``.ci/versions.env``."""
    pins: dict[str, str] = {}
    for raw in VERSIONS_FILE.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pins[key.strip()] = value.strip()
    return pins


def require_binary(name: str, hint: str, search: list[Path] | None = None) -> Path:
    """Find an executable on PATH or in ``search``; fail saying how to install it."""
    for folder in search or []:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise FileNotFoundError(f"{name} is not installed. {hint}")
