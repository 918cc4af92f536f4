"""Verify OIDC bearer tokens (JWTs) against the identity provider's JWKS.

Keys are fetched once and cached; a token signed with a key id we do not know yet
triggers one refresh (keys rotate), rate-limited so a flood of forged key ids cannot
make us hammer the provider. Issuer, audience, expiry and signature are all checked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from orchestrator.domain.access import AuthenticationFailed

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")


@dataclass(frozen=True)
class VerifiedToken:
    """Who a valid token names, and its claims."""

    username: str
    subject: str
    claims: Mapping[str, Any]


class JwksCache:
    """The provider's signing keys by key id, refreshed when an unknown id shows up."""

    def __init__(
        self, jwks_url: str, http: httpx.AsyncClient, min_refresh_interval: float = 10.0
    ) -> None:
        self._url = jwks_url
        self._http = http
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._min_interval = min_refresh_interval
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key_for(self, kid: str) -> Any:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._min_interval:
                await self._refresh()
        if kid not in self._keys:
            raise AuthenticationFailed(
                f"the token was signed with key '{kid}', which the identity provider does not "
                "publish; get a fresh token"
            )
        return self._keys[kid]

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            response = await self._http.get(self._url, timeout=10.0)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthenticationFailed(
                f"could not fetch the identity provider's signing keys from {self._url}: {exc}"
            ) from exc
        self.fetches += 1
        keys: dict[str, Any] = {}
        for jwk in document.get("keys", []):
            if jwk.get("use", "sig") != "sig" or "kid" not in jwk:
                continue
            kty = jwk.get("kty")
            if kty == "RSA":
                keys[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
            elif kty == "EC":
                keys[jwk["kid"]] = ECAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        log.info("loaded %d signing keys from %s", len(keys), self._url)


class OidcVerifier:
    """Checks a bearer JWT: signature (JWKS), issuer, audience, expiry; returns the user."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: JwksCache,
        username_claim: str = "preferred_username",
        leeway: float = 30.0,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._keys = keys
        self._username_claim = username_claim
        self._leeway = leeway

    async def verify(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"the bearer token is not a valid JWT: {exc}") from exc
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise AuthenticationFailed("the bearer token names no signing key (no 'kid' header)")
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise AuthenticationFailed(
                f"the bearer token uses algorithm {header.get('alg')!r}; "
                f"accepted: {', '.join(ALLOWED_ALGORITHMS)}"
            )
        key = await self._keys.key_for(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationFailed("the bearer token has expired; get a fresh one") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthenticationFailed(
                f"the bearer token is not meant for the airlock (audience must include "
                f"'{self._audience}')"
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthenticationFailed(
                f"the bearer token was issued by someone else (expected issuer {self._issuer})"
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"the bearer token was rejected: {exc}") from exc
        username = claims.get(self._username_claim)
        if not isinstance(username, str) or not username:
            raise AuthenticationFailed(
                f"the bearer token carries no '{self._username_claim}' claim to name the user"
            )
        return VerifiedToken(username=username, subject=str(claims["sub"]), claims=claims)
