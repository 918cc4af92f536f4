"""Sign a person in through the identity provider: the OIDC authorization-code flow with PKCE.

The browser is sent to the provider's authorization endpoint with a one-time
``state``, ``nonce`` and PKCE challenge; the provider sends it back with a code,
which the airlock exchanges (with the PKCE verifier) at the token endpoint. The ID
token in the answer is verified like any bearer token (signature from the JWKS,
issuer, expiry) plus its audience (our client id) and the nonce. A person is the
pair (issuer, subject); the username claim names them for role assignments.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from orchestrator.adapters.oidc import ALLOWED_ALGORITHMS, JwksCache
from orchestrator.domain.access import AuthenticationFailed


@dataclass(frozen=True)
class SignInStart:
    """What the browser carries through the provider and back: kept in a signed cookie."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def fresh(cls) -> SignInStart:
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(64),
        )

    @property
    def challenge(self) -> str:
        """The PKCE ``S256`` code challenge for ``verifier`` (RFC 7636)."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SignedIn:
    """Who the identity provider says signed in."""

    issuer: str
    subject: str
    username: str


class OidcSignIn:
    """The provider's endpoints (from its discovery document) and the code exchange."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        keys: JwksCache,
        http: httpx.AsyncClient,
        username_claim: str = "preferred_username",
        leeway: float = 30.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._keys = keys
        self._http = http
        self._username_claim = username_claim
        self._leeway = leeway
        self._discovery: dict[str, Any] | None = None

    async def _endpoint(self, name: str) -> str:
        if self._discovery is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                response = await self._http.get(url, timeout=10.0)
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise AuthenticationFailed(
                    f"the identity provider's discovery document at {url} could not be read: "
                    f"{exc}; sign-in is unavailable until it answers"
                ) from exc
            self._discovery = dict(document)
        endpoint = self._discovery.get(name)
        if not isinstance(endpoint, str):
            raise AuthenticationFailed(f"the identity provider publishes no {name}")
        return endpoint

    async def authorize_url(self, start: SignInStart, redirect_uri: str) -> str:
        query = urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "scope": "openid profile",
                "state": start.state,
                "nonce": start.nonce,
                "code_challenge": start.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{await self._endpoint('authorization_endpoint')}?{query}"

    async def finish(self, start: SignInStart, code: str, redirect_uri: str) -> SignedIn:
        """Exchange ``code`` for tokens and return the verified person."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": start.verifier,
        }
        if self._client_secret is not None:
            form["client_secret"] = self._client_secret
        token_url = await self._endpoint("token_endpoint")
        try:
            response = await self._http.post(token_url, data=form, timeout=10.0)
        except httpx.HTTPError as exc:
            raise AuthenticationFailed(f"the identity provider did not answer: {exc}") from exc
        if response.status_code != 200:
            raise AuthenticationFailed(
                "the identity provider refused the sign-in code "
                f"({response.status_code}); start again from the sign-in page"
            )
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise AuthenticationFailed("the identity provider returned no ID token")
        return await self._verify(id_token, start.nonce)

    async def _verify(self, id_token: str, nonce: str) -> SignedIn:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"the ID token is not a valid JWT: {exc}") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or header.get("alg") not in ALLOWED_ALGORITHMS:
            raise AuthenticationFailed("the ID token names no accepted signing key or algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=await self._keys.key_for(kid),
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self.client_id,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"the ID token was rejected: {exc}") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise AuthenticationFailed("the ID token answers another sign-in (nonce mismatch)")
        username = claims.get(self._username_claim)
        if not isinstance(username, str) or not username:
            raise AuthenticationFailed(
                f"the ID token carries no '{self._username_claim}' claim to name the user"
            )
        return SignedIn(issuer=str(claims["iss"]), subject=str(claims["sub"]), username=username)
