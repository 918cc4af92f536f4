"""Bearer tokens from the real Keycloak: accepted with roles, refused when not for us."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orchestrator.adapters.oidc import JwksCache, OidcVerifier
from orchestrator.domain.access import AuthenticationFailed


def verifier(keycloak: Any, http: httpx.AsyncClient, audience: str = "tre-airlock") -> OidcVerifier:
    return OidcVerifier(
        issuer=keycloak.issuer, audience=audience, keys=JwksCache(keycloak.jwks_url, http)
    )


async def test_keycloak_token_names_the_user(keycloak: Any) -> None:
    async with httpx.AsyncClient() as http:
        verified = await verifier(keycloak, http).verify(keycloak.token("rita"))
    assert verified.username == "rita"
    assert verified.claims["iss"] == keycloak.issuer


async def test_token_for_another_audience_is_refused(keycloak: Any) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(AuthenticationFailed, match="not meant for the airlock"):
            await verifier(keycloak, http, audience="some-other-service").verify(
                keycloak.token("rita")
            )


async def test_altered_token_is_refused(keycloak: Any) -> None:
    header, payload, signature = keycloak.token("alice").split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    async with httpx.AsyncClient() as http:
        with pytest.raises(AuthenticationFailed, match="rejected"):
            await verifier(keycloak, http).verify(forged)


async def test_refusal_reaches_the_caller_as_401_with_the_reason(airlock: Any) -> None:
    async with airlock.client() as anonymous:
        answer = await anonymous.get("/api/v1/requests", headers={"Authorization": "Bearer x.y.z"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "not a valid JWT" in answer.json()["detail"]
