"""Keycloak from the harness issues real, verifiable tokens for the test realm's users."""

from __future__ import annotations

import httpx
import jwt
import pytest

from orchestrator.embedded.keycloak import KeycloakServer
from tests.harness.keycloak import AIRLOCK_AUDIENCE, JUPYTERHUB_CLIENT_ID, JUPYTERHUB_CLIENT_SECRET


def _verified_claims(keycloak: KeycloakServer, token: str) -> dict[str, object]:
    signing_key = jwt.PyJWKClient(keycloak.jwks_url).get_signing_key_from_jwt(token)
    claims: dict[str, object] = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        issuer=keycloak.issuer,
        audience=AIRLOCK_AUDIENCE,
    )
    return claims


def test_password_grant_token_verifies_against_the_jwks(keycloak: KeycloakServer) -> None:
    claims = _verified_claims(keycloak, keycloak.token("alice"))
    assert claims["preferred_username"] == "alice"
    assert claims["iss"] == keycloak.issuer
    assert claims["groups"] == ["researchers"]
    assert "researcher" in claims["realm_access"]["roles"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("username", "group", "role"),
    [
        ("rita", "reviewers", "reviewer"),
        ("ravi", "reviewers", "reviewer"),
        ("otto", "operators", "operator"),
    ],
)
def test_each_test_user_carries_its_group_and_role(
    keycloak: KeycloakServer, username: str, group: str, role: str
) -> None:
    claims = _verified_claims(keycloak, keycloak.token(username))
    assert claims["groups"] == [group]
    assert role in claims["realm_access"]["roles"]  # type: ignore[index]


def test_wrong_password_is_refused(keycloak: KeycloakServer) -> None:
    with pytest.raises(PermissionError, match="invalid_grant"):
        keycloak.token("ben", password="password-alice")


def test_a_tampered_token_fails_verification(keycloak: KeycloakServer) -> None:
    header, payload, signature = keycloak.token("ben").split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        _verified_claims(keycloak, f"{header}.{payload}.{flipped}")


def test_jupyterhub_client_authenticates_with_its_secret(keycloak: KeycloakServer) -> None:
    token = keycloak.token(
        "rosa", client_id=JUPYTERHUB_CLIENT_ID, client_secret=JUPYTERHUB_CLIENT_SECRET
    )
    assert _verified_claims(keycloak, token)["azp"] == JUPYTERHUB_CLIENT_ID
    refused = httpx.post(
        keycloak.token_url,
        data={
            "grant_type": "password",
            "client_id": JUPYTERHUB_CLIENT_ID,
            "client_secret": "wrong",
            "username": "rosa",
            "password": "password-rosa",
        },
    )
    assert refused.status_code == 401
