"""A person logs in to the test realm in Chromium: the authorization-code flow JupyterHub uses.

The redirect target is a local page of this test (127.0.0.1); nothing else is contacted.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from playwright.sync_api import Page, expect

from orchestrator.embedded.keycloak import KeycloakServer
from tests.harness.keycloak import JUPYTERHUB_CLIENT_ID, JUPYTERHUB_CLIENT_SECRET


class _Callback(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body><p id='done'>signed in</p></body></html>")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def callback_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hub/oauth_callback"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _authorize_url(keycloak: KeycloakServer, redirect_uri: str) -> str:
    query = urlencode(
        {
            "client_id": JUPYTERHUB_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": "openid",
            "state": "s-123",
        }
    )
    return f"{keycloak.issuer}/protocol/openid-connect/auth?{query}"


def _open(page: Page, url: str) -> None:
    # Keycloak renders its theme on first use, which takes seconds on a busy machine.
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)


def test_reviewer_signs_in_and_the_hub_client_gets_her_identity(
    page: Page, keycloak: KeycloakServer, callback_url: str
) -> None:
    _open(page, _authorize_url(keycloak, callback_url))
    page.fill("#username", "rita")
    page.fill("#password", "password-rita")
    page.click("#kc-login")
    expect(page.locator("#done")).to_have_text("signed in")

    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["s-123"]
    exchanged = httpx.post(
        keycloak.token_url,
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": callback_url,
            "client_id": JUPYTERHUB_CLIENT_ID,
            "client_secret": JUPYTERHUB_CLIENT_SECRET,
        },
    )
    assert exchanged.status_code == 200, exchanged.text
    id_token = exchanged.json()["id_token"]
    key = jwt.PyJWKClient(keycloak.jwks_url).get_signing_key_from_jwt(id_token)
    claims = jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        issuer=keycloak.issuer,
        audience=JUPYTERHUB_CLIENT_ID,
    )
    assert claims["preferred_username"] == "rita"
    assert claims["groups"] == ["reviewers"]


def test_wrong_password_stays_on_the_login_page(
    page: Page, keycloak: KeycloakServer, callback_url: str
) -> None:
    _open(page, _authorize_url(keycloak, callback_url))
    page.fill("#username", "rita")
    page.fill("#password", "password-ravi")
    page.click("#kc-login")
    expect(page.get_by_text("Invalid username or password")).to_be_visible()
    assert page.url.startswith(keycloak.issuer)


def test_unregistered_redirect_is_refused(page: Page, keycloak: KeycloakServer) -> None:
    _open(page, _authorize_url(keycloak, "http://127.0.0.2:9/hub/oauth_callback"))
    expect(page.locator("body")).to_contain_text("Invalid parameter: redirect_uri")
