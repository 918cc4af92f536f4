"""The published register renders in Chromium from local files alone.

Every request the page makes is recorded; anything not addressed to the local server
is aborted and counted, and the test fails if there is any such request or any failed
one.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, Request, Route, expect

from orchestrator.cli.main import cli
from tests.unit.register.examples import PROJECTS, REQUESTS


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def published(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "projects.json").write_text(json.dumps(PROJECTS))
    (tmp_path / "requests.json").write_text(json.dumps(REQUESTS))
    site = tmp_path / "site"
    result = CliRunner().invoke(
        cli,
        [
            "register",
            "publish",
            "--projects",
            str(tmp_path / "projects.json"),
            "--requests",
            str(tmp_path / "requests.json"),
            "--out",
            str(site),
        ],
    )
    assert result.exit_code == 0, result.output
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_register_renders_with_its_stylesheet_and_nothing_else(page: Page, published: str) -> None:
    outside: list[str] = []
    loaded: list[str] = []
    failed: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(published + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def finished(request: Request) -> None:
        loaded.append(request.url.removeprefix(published))

    page.route("**/*", only_local)
    page.on("requestfinished", finished)
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(published + "/index.html")
    expect(page).to_have_title("Transparency register")
    expect(page.locator("h2")).to_have_text(["Projects (2)", "Releases (2)"])
    expect(page.locator("#project-asthma h3")).to_have_text("Asthma <pilot>")
    expect(page.locator("#releases tbody tr").nth(1)).to_have_text(
        "2026-03-10stroke2 table, 1 figure, 1 code2default 2026.1"
    )
    border = page.locator("table").evaluate("t => getComputedStyle(t).borderCollapse")
    assert border == "collapse"

    page.goto(published + "/register.json")
    assert json.loads(page.locator("body").inner_text())["version"] == 1

    assert outside == []
    assert failed == []
    assert sorted(set(loaded)) == ["/index.html", "/register.css", "/register.json"]
