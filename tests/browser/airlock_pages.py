"""The airlock app served over HTTP on 127.0.0.1 for the browser, with real Keycloak and S3.

The app runs in a uvicorn server on its own thread and event loop (the browser
tests use Playwright's sync API on the main thread), with SQLite, SeaweedFS, the
export-check engine with the default rule set, and the test realm's
``tre-airlock-web`` client for sign-in.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page, Route, expect

from orchestrator.api.app import create_app
from orchestrator.embedded.processes import free_port
from tests.harness.clamav import make_signature_database
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
def outside_requests(page: Page) -> list[str]:
    """Abort and record every request the page makes to anything but 127.0.0.1."""
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return blocked


@pytest.fixture
def failed_requests(page: Page) -> list[str]:
    """Every request of the page that failed (blocked, refused, or broken)."""
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    return failed


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
        checks={"clamav_database": str(make_signature_database(tmp_path / "clamav-db"))},
    )
    with serve(create_app(settings), port):  # the configured export-check engine
        yield AirlockPages(url=url, keycloak=keycloak)


def sign_in(page: Page, pages: AirlockPages, username: str, path: str = "/") -> None:
    """Open ``path``, go through Keycloak's form, and land back on ``path``.

    The home page offers a "Sign in" link; every other page sends the browser to sign in.
    """
    page.goto(f"{pages.url}{path}", wait_until="domcontentloaded", timeout=60_000)
    if path == "/":
        page.get_by_role("link", name="Sign in").click()
    page.wait_for_selector("#username", timeout=60_000)  # Keycloak renders its theme slowly
    page.fill("#username", username)
    page.fill("#password", f"password-{username}")
    page.click("#kc-login")
    expect(page.locator("#signed-in-as")).to_have_text(username, timeout=30_000)
    assert page.url == f"{pages.url}{path}"


def submit_request(
    pages: AirlockPages, username: str, title: str, files: dict[str, tuple[bytes, str]]
) -> str:
    """Create, fill and submit a request through the API as ``username``; wait for review.

    ``files`` maps a name to (content, context). Returns the request id.
    """
    headers = {"Authorization": f"Bearer {pages.keycloak.token(username)}"}
    with httpx.Client(base_url=pages.url, headers=headers, timeout=60) as api:
        created = api.post(
            "/api/v1/projects/genomics/requests",
            json={"title": title, "purpose": "Counts for the paper's table 2."},
        )
        assert created.status_code == 201, created.text
        request_id = str(created.json()["id"])
        for name, (content, context) in files.items():
            put = api.put(
                f"/api/v1/requests/{request_id}/files/{name}",
                params={"context": context, "controls": "rounded to 5"},
                content=content,
            )
            assert put.status_code == 200, put.text
        assert api.post(f"/api/v1/requests/{request_id}/submit").status_code == 200
        deadline = time.monotonic() + 60
        while api.get(f"/api/v1/requests/{request_id}").json()["state"] != "in_review":
            assert time.monotonic() < deadline, "the request never reached review"
            time.sleep(0.2)
    return request_id
