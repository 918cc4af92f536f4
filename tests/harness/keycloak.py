"""Harness fixture ``keycloak``: a real Keycloak with the test realm ``tre`` imported.

Started lazily (only when a test asks for it) because a cold start takes tens of seconds.
Users: alice, ben (researchers), rita, ravi, rosa (reviewers), otto (operator); each
password is ``password-<username>``. Clients: ``tre-cli`` (public; password grant and the
device sign-in of ``tre login``), ``tre-airlock-web`` (public, authorization code with
PKCE S256 required: the airlock's browser pages) and
``jupyterhub`` (confidential, secret ``JUPYTERHUB_CLIENT_SECRET``). Tokens carry a
``groups`` claim, realm roles in ``realm_access.roles`` and the audience ``tre-airlock``.
Passwords are hashed with cheap settings (PBKDF2, 1000 rounds): a test realm only, where
start-up and every password grant would otherwise spend seconds of CPU on hashing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.embedded.keycloak import KeycloakServer

REALM_FILE = Path(__file__).with_name("keycloak-realm.json")
JUPYTERHUB_CLIENT_ID = "jupyterhub"
JUPYTERHUB_CLIENT_SECRET = "jupyterhub-test-secret"
AIRLOCK_AUDIENCE = "tre-airlock"


# Keycloak's start-up counts against the first test that uses it; on a machine whose two
# cores are busy it can take minutes, so those tests get a longer per-test timeout.
KEYCLOAK_TEST_TIMEOUT = 900


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "keycloak" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "timeout"
        ):
            item.add_marker(pytest.mark.timeout(KEYCLOAK_TEST_TIMEOUT))


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeycloakServer]:
    """``.issuer``, ``.jwks_url``, ``.token_url``, ``.token(username, password=None, client_id="tre-cli")``."""
    server = KeycloakServer(run_dir=tmp_path_factory.mktemp("keycloak"), realm_file=REALM_FILE)
    try:
        yield server.start()
    finally:
        server.stop()
