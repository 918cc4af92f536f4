"""Harness fixtures ``browser`` (session) and ``page`` (per test): Debian's Chromium via Playwright.

Playwright drives ``/usr/bin/chromium``; no browser is ever downloaded. Each launch
gets a fresh, throw-away profile (Playwright creates it under ``TMPDIR``), and the
flags below stop Chromium from talking to anything but the pages a test opens.

The *sync* Playwright API runs its own event loop in a greenlet and, between calls,
marks that loop as the thread's running loop. Left like that, every later ``async``
test (pytest-asyncio, ``asyncio_mode=auto``) fails with "Cannot run the event loop while
another loop is running". So the fixtures mark Playwright's loop as running only while
they or a browser test use it, and clear it otherwise. Browser tests are plain ``def``
tests, never ``async def``, and cannot use async fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from orchestrator.embedded.paths import require_binary

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "Install Debian's chromium package: run `make system`."


def _no_running_loop() -> None:
    with contextlib.suppress(RuntimeError):
        asyncio.get_running_loop()
        raise RuntimeError(
            "the browser fixtures use Playwright's sync API, which cannot run inside an "
            "event loop: write browser tests as plain `def` functions, not `async def`"
        )


@contextlib.contextmanager
def _driving(driver: Playwright) -> Iterator[None]:
    """Mark Playwright's loop as the running loop while the block uses the sync API."""
    _no_running_loop()
    loop: asyncio.AbstractEventLoop = driver._loop  # the sync API's own loop
    asyncio._set_running_loop(loop)
    try:
        yield
    finally:
        asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    _no_running_loop()
    driver = sync_playwright().start()
    asyncio._set_running_loop(None)  # see the module docstring
    try:
        yield driver
    finally:
        with _driving(driver):
            driver.stop()


@pytest.fixture(scope="session")
def browser(
    playwright_driver: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    """A headless Chromium for the whole session."""
    chromium = require_binary("chromium", INSTALL_HINT, search=[Path("/usr/bin")])
    profile_root = tmp_path_factory.mktemp("chromium")
    with _driving(playwright_driver):
        launched = playwright_driver.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            chromium_sandbox=False,
            args=CHROMIUM_ARGS,
            env={"TMPDIR": str(profile_root), "HOME": str(profile_root)},
            timeout=60_000,
        )
    try:
        yield launched
    finally:
        with _driving(playwright_driver):
            launched.close()


@pytest.fixture
def page(playwright_driver: Playwright, browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies or storage shared between tests)."""
    with _driving(playwright_driver):
        context = browser.new_context()
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
