"""Chromium from the harness loads a local page, runs its script and takes a screenshot."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

PAGE = """<!doctype html>
<html><head><title>harness smoke</title></head>
<body>
  <p id="status">waiting</p>
  <button id="go" onclick="document.getElementById('status').textContent = 'clicked ' + (++window.n)">Go</button>
  <script>window.n = 0;</script>
</body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_clicking_the_button_changes_the_page(page: Page, local_site: str, tmp_path: Path) -> None:
    page.goto(local_site)
    expect(page).to_have_title("harness smoke")
    expect(page.locator("#status")).to_have_text("waiting")

    page.click("#go")
    page.click("#go")

    expect(page.locator("#status")).to_have_text("clicked 2")
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_test_gets_a_fresh_context(page: Page, local_site: str) -> None:
    page.goto(local_site)
    assert page.evaluate("localStorage.getItem('seen')") is None
    page.evaluate("localStorage.setItem('seen', 'yes')")


def test_storage_does_not_leak_between_tests(page: Page, local_site: str) -> None:
    page.goto(local_site)
    assert page.evaluate("localStorage.getItem('seen')") is None


async def test_async_tests_still_run_after_browser_tests() -> None:
    """Playwright's sync API must not leave its loop marked as running between tests."""
    await asyncio.sleep(0)
