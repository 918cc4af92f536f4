"""The short-lived token ``tre login`` leaves for later commands, in a file only you can read.

The file is written whole (a temporary file renamed into place) with mode 0600 in a
0700 folder. A cached token is used only while it is valid: an expired one, or a file
other users could read, is refused with a message saying what to do.
"""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


class CachedTokenUnusable(Exception):
    """The cached token cannot be used; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class CachedToken:
    """An access token from the identity provider and when it stops working."""

    issuer: str
    access_token: str
    expires_at: float
    name: str = ""

    def expires_text(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cache_path(env: dict[str, str]) -> Path:
    """``TRE_TOKEN_CACHE``, else ``$XDG_CACHE_HOME/tre/token.json``, else ``~/.cache/tre/token.json``."""
    explicit = env.get("TRE_TOKEN_CACHE")
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tre" / "token.json"


def save(path: Path, token: CachedToken) -> None:
    """Write the token readable by its owner only, replacing any earlier one whole."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(asdict(token)).encode())
    finally:
        os.close(fd)
    partial.replace(path)


def load(path: Path, now: float | None = None) -> CachedToken | None:
    """The cached token, ``None`` if there is none; raises if it exists but may not be used."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if stat.S_IMODE(mode) & 0o077:
        raise CachedTokenUnusable(
            f"the token cache {path} can be read by other users (mode "
            f"{stat.S_IMODE(mode):04o}); delete it and run `tre login` again"
        )
    try:
        data = json.loads(path.read_text())
        token = CachedToken(
            issuer=str(data["issuer"]),
            access_token=str(data["access_token"]),
            expires_at=float(data["expires_at"]),
            name=str(data.get("name", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CachedTokenUnusable(
            f"the token cache {path} is damaged; delete it and run `tre login` again"
        ) from exc
    if token.expires_at <= (time.time() if now is None else now):
        raise CachedTokenUnusable(
            f"your sign-in expired at {token.expires_text()}; run `tre login` again"
        )
    return token


def remove(path: Path) -> bool:
    """Forget the cached token; ``True`` if there was one."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
