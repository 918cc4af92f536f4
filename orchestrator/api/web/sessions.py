"""Signed cookies: the browser session and the sign-in in flight.

A cookie value is ``<base64url JSON>.<base64url HMAC-SHA256>`` under the
configured session secret, with its expiry inside the signed part. A cookie that
was altered, signed with another secret, or has expired opens to ``None``: the
visitor is simply not signed in. Nothing is stored on the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from orchestrator.adapters.oidc_sign_in import SignedIn, SignInStart

SESSION_COOKIE = "tre_airlock_session"
SIGN_IN_COOKIE = "tre_airlock_sign_in"
SIGN_IN_SECONDS = 600
"""How long a person has to complete the identity provider's sign-in page."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CookieSigner:
    """Seal and open signed, expiring JSON values; ``purpose`` keeps cookie kinds apart."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: str, body: str) -> bytes:
        return hmac.new(self._secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()

    def seal(self, purpose: str, values: dict[str, Any], seconds: int) -> str:
        payload = {**values, "exp": int(time.time()) + seconds}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{_b64(self._mac(purpose, body))}"

    def open(self, purpose: str, cookie: str | None) -> dict[str, Any] | None:
        if not cookie or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        try:
            if not hmac.compare_digest(_unb64(mac), self._mac(purpose, body)):
                return None
            payload = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            return None
        if payload["exp"] < time.time():
            return None
        return payload


@dataclass(frozen=True)
class Session:
    """A signed-in person: issuer and subject identify them, ``csrf`` guards their forms."""

    issuer: str
    subject: str
    username: str
    csrf: str

    @classmethod
    def start(cls, person: SignedIn) -> Session:
        return cls(person.issuer, person.subject, person.username, secrets.token_urlsafe(32))

    def seal(self, signer: CookieSigner, seconds: int) -> str:
        values = {"iss": self.issuer, "sub": self.subject, "usr": self.username, "csrf": self.csrf}
        return signer.seal(SESSION_COOKIE, values, seconds)

    @classmethod
    def open(cls, signer: CookieSigner, cookie: str | None) -> Session | None:
        payload = signer.open(SESSION_COOKIE, cookie)
        if payload is None:
            return None
        try:
            return cls(
                str(payload["iss"]), str(payload["sub"]), str(payload["usr"]), str(payload["csrf"])
            )
        except KeyError:
            return None

    def check_csrf(self, submitted: str | None) -> bool:
        return submitted is not None and hmac.compare_digest(submitted, self.csrf)


def seal_sign_in(signer: CookieSigner, start: SignInStart, after: str) -> str:
    values = {"state": start.state, "nonce": start.nonce, "verifier": start.verifier, "next": after}
    return signer.seal(SIGN_IN_COOKIE, values, SIGN_IN_SECONDS)


def open_sign_in(signer: CookieSigner, cookie: str | None) -> tuple[SignInStart, str] | None:
    payload = signer.open(SIGN_IN_COOKIE, cookie)
    if payload is None:
        return None
    try:
        start = SignInStart(str(payload["state"]), str(payload["nonce"]), str(payload["verifier"]))
        return start, str(payload["next"])
    except KeyError:
        return None


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path on this site only (never ``//host`` or a URL)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
