"""``tre login`` in a terminal, approved in Chromium against the real Keycloak, then ``tre airlock``.

The airlock runs as a real process (``tre airlock serve``) trusting the test realm; the
sign-in page is the identity provider's own device page, driven by Playwright.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from orchestrator.embedded.keycloak import KeycloakServer
from tests.e2e.airlock_api.service_process import AirlockProcess
from tests.integration.airlock_api.conftest import settings_values

TRE = Path(sys.executable).with_name("tre")


def _approve_in_browser(page: Page, address: str, username: str) -> None:
    page.goto(address, wait_until="domcontentloaded", timeout=60_000)
    page.fill("#username", username)
    page.fill("#password", f"password-{username}")
    page.click("#kc-login")
    # Keycloak asks the person to grant the command line access to their identity.
    expect(page.get_by_text("Do you grant these access privileges?")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("Device Login Successful")).to_be_visible(timeout=60_000)


def test_tre_login_then_airlock_status_works_from_a_terminal(
    page: Page, keycloak: KeycloakServer, s3: Any, tmp_path: Path
) -> None:
    values = settings_values(
        database_url=f"sqlite:///{tmp_path / 'airlock.db'}",
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
    )
    service = AirlockProcess(values=values, log_path=tmp_path / "airlock.log").start()
    try:
        created = httpx.post(
            f"{service.url}/api/v1/projects/genomics/requests",
            headers={"Authorization": f"Bearer {keycloak.token('alice')}"},
            json={"title": "Table 2", "purpose": "paper"},
            timeout=60,
        )
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]

        cache = tmp_path / "home" / "tre" / "token.json"
        env = {
            "PATH": os.environ["PATH"],
            "TRE_TOKEN_CACHE": str(cache),
            "TRE_OIDC_ISSUER": keycloak.issuer,
            "TRE_AIRLOCK_URL": service.url,
        }
        with subprocess.Popen(
            [str(TRE), "login"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as login:
            try:
                assert login.stdout is not None
                first = login.stdout.readline()
                found = re.match(r"Open (\S+) in a browser and sign in\.", first)
                assert found, first
                _approve_in_browser(page, found.group(1), "alice")
                rest, errors = login.communicate(timeout=120)
            finally:
                if login.poll() is None:
                    login.kill()
        assert login.returncode == 0, errors
        assert "Signed in as alice until " in rest
        assert oct(cache.stat().st_mode & 0o777) == "0o600"

        status = subprocess.run(
            [str(TRE), "airlock", "status", request_id],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith(f"{request_id}  genomics  draft")

        forget = subprocess.run(
            [str(TRE), "logout"], env=env, capture_output=True, text=True, timeout=60
        )
        assert forget.returncode == 0
        assert not cache.exists()
        refused = subprocess.run(
            [str(TRE), "airlock", "status", request_id],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 2
        assert "no credentials: run `tre login`" in refused.stderr
    finally:
        service.stop()
