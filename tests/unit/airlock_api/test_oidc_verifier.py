"""JWT verification: signature, issuer, audience, expiry, and key rotation.

The identity provider is faked at the HTTP level (an httpx transport serving a JWKS
document built from keys generated here); the integration suite uses real Keycloak.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from orchestrator.adapters.oidc import JwksCache, OidcVerifier
from orchestrator.domain.access import AuthenticationFailed

ISSUER = "https://sso.example.org/realms/tre"
JWKS_URL = f"{ISSUER}/protocol/openid-connect/certs"


class Provider:
    """Publishes a JWKS with the keys it currently holds, counting fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0

    def rotate(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        jwks = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            jwk.update(kid=kid, use="sig", alg="RS256")
            jwks.append(jwk)
        return httpx.Response(200, json={"keys": jwks})

    def token(self, kid: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": ["tre-airlock", "account"],
            "sub": "1234",
            "preferred_username": "rita",
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider() -> Provider:
    p = Provider()
    p.rotate("k1")
    return p


def verifier(provider: Provider) -> OidcVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    keys = JwksCache(JWKS_URL, http, min_refresh_interval=0.0)
    return OidcVerifier(issuer=ISSUER, audience="tre-airlock", keys=keys)


async def test_valid_token_names_the_user_and_keys_are_cached(provider: Provider) -> None:
    check = verifier(provider)
    assert (await check.verify(provider.token("k1"))).username == "rita"
    await check.verify(provider.token("k1"))
    assert provider.fetches == 1


async def test_unknown_key_id_triggers_one_refresh_after_rotation(provider: Provider) -> None:
    check = verifier(provider)
    await check.verify(provider.token("k1"))
    provider.rotate("k2")
    assert (await check.verify(provider.token("k2"))).username == "rita"
    assert provider.fetches == 2


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example.org"}, "issued by someone else"),
        ({"aud": "another-service"}, "not meant for the airlock"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"preferred_username": None}, "no 'preferred_username' claim"),
    ],
)
async def test_bad_claims_are_refused_with_a_reason(
    provider: Provider, overrides: dict[str, Any], reason: str
) -> None:
    claims = {k: v for k, v in overrides.items() if v is not None}
    token = provider.token("k1", **claims)
    if overrides.get("preferred_username", "") is None:
        unsigned = jwt.decode(token, options={"verify_signature": False})
        del unsigned["preferred_username"]
        token = jwt.encode(unsigned, provider.keys["k1"], algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(AuthenticationFailed, match=reason):
        await verifier(provider).verify(token)


async def test_token_signed_by_a_stranger_is_refused(provider: Provider) -> None:
    stranger = Provider()
    stranger.rotate("k1")
    with pytest.raises(AuthenticationFailed, match="rejected"):
        await verifier(provider).verify(stranger.token("k1"))


async def test_symmetric_algorithms_are_refused(provider: Provider) -> None:
    forged = jwt.encode(
        {"sub": "x"}, "secret-secret-secret-secret-1234", algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(AuthenticationFailed, match="algorithm 'HS256'"):
        await verifier(provider).verify(forged)
