"""The airlock app served over HTTP on 127.0.0.1 for the browser, with real Keycloak and S3.

The app runs in a uvicorn server on its own thread and event loop (the browser
tests use Playwright's sync API on the main thread), with SQLite, SeaweedFS and
the test realm's ``tre-airlock-web`` client for sign-in.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect

from orchestrator.api.app import create_app
from orchestrator.embedded.processes import free_port
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock_api.conftest import make_settings

SESSION_SECRET = "test-session-secret-0123456789abcdef"


@dataclass
class AirlockPages:
    url: str
    keycloak: Any


@contextlib.contextmanager
def serve(app: Any, port: int) -> Iterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="airlock-pages", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the airlock app did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture
def airlock_pages(keycloak: Any, s3: Any, tmp_path: Path) -> Iterator[AirlockPages]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url=f"sqlite:///{tmp_path / 'airlock.db'}",
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
        web={"public_url": url, "session_secret": SESSION_SECRET},
    )
    with serve(create_app(settings, checker=BasicChecker()), port):
        yield AirlockPages(url=url, keycloak=keycloak)


def sign_in(page: Page, pages: AirlockPages, username: str, path: str = "/") -> None:
    """Open ``path``, follow the sign-in link through Keycloak's form, and land back."""
    page.goto(f"{pages.url}{path}", wait_until="domcontentloaded", timeout=60_000)
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_selector("#username", timeout=60_000)  # Keycloak renders its theme slowly
    page.fill("#username", username)
    page.fill("#password", f"password-{username}")
    page.click("#kc-login")
    expect(page.locator("#signed-in-as")).to_have_text(username, timeout=30_000)
