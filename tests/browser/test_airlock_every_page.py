"""Every airlock page, as the person who uses it: accessible, and nothing from outside.

Each page is loaded with every request outside 127.0.0.1 aborted (and none may be
made, nor may any request fail), then checked with axe-core (from npm, installed
by ``.ci/install-tools.sh``, evaluated in the page from the local file): no
``serious`` or ``critical`` violation. With ``TRE_SCREENSHOTS_DIR`` set (``make
screenshots``) each page is also saved there for the guides.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route

from orchestrator.embedded.paths import cache_dir, pinned_versions
from tests.browser.airlock_pages import AirlockPages, airlock_pages, sign_in, submit_request

__all__ = ["airlock_pages"]

AXE = (
    cache_dir()
    / f"axe-core-{pinned_versions()['AXE_CORE_VERSION']}"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
TABLE = b"group,n,rate\nexposed,120,0.35\nunexposed,0,*\nother,45,NA\n"


def _figure() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 160), (30, 110, 60)).save(out, format="JPEG")
    return out.getvalue()


class Visitor:
    """One person's browser: loads pages with outside traffic blocked, checks each."""

    def __init__(self, page: Page, pages: AirlockPages, shots: Path | None) -> None:
        self.page, self.pages, self.shots = page, pages, shots
        self.outside: list[str] = []
        self.failed: list[str] = []
        page.route("**/*", self._guard)
        page.on("requestfailed", lambda request: self.failed.append(request.url))

    def _guard(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def check(self, path: str, shot: str) -> None:
        response = self.page.goto(f"{self.pages.url}{path}")
        assert response is not None
        assert response.status == 200, (path, response.status)
        self.page.wait_for_load_state("load")
        self.page.evaluate(AXE.read_text())
        passed, violations = self.page.evaluate(
            "async () => { const r = await axe.run(); return [r.passes.length, r.violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.help)]; }"
        )
        assert passed > 10, (path, "axe-core did not run its checks")
        assert violations == [], (path, violations)
        assert self.outside == [], (path, self.outside)
        assert self.failed == [], (path, self.failed)
        if self.shots is not None:
            self.page.screenshot(path=str(self.shots / f"{shot}.png"), full_page=True)


@pytest.fixture
def shots(tmp_path: Path) -> Path | None:
    target = os.environ.get("TRE_SCREENSHOTS_DIR")
    if not target:
        return None
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_every_page_is_accessible_and_loads_nothing_from_outside(
    page: Page,
    second_page: Page,
    browser: Browser,
    airlock_pages: AirlockPages,
    shots: Path | None,
) -> None:
    request_id = submit_request(
        airlock_pages,
        "alice",
        "Table 2 counts",
        {
            "counts.csv": (TABLE, "Cohort counts by exposure, from the 2024 extract."),
            "notes.txt": (b"method: logistic regression\nadjusted for age and sex\n", "Notes."),
            "figure.jpg": (_figure(), "Figure 1: incidence by year."),
        },
    )
    page.set_viewport_size({"width": 1100, "height": 800})
    reviewer = Visitor(page, airlock_pages, shots)
    sign_in(page, airlock_pages, "rita", "/review")
    reviewer.check("/review", "reviewer-queue")
    reviewer.check(f"/requests/{request_id}", "reviewer-request")
    reviewer.check(f"/requests/{request_id}/files/counts.csv", "reviewer-table")
    reviewer.check(f"/requests/{request_id}/files/notes.txt", "reviewer-text")
    reviewer.check(f"/requests/{request_id}/files/figure.jpg", "reviewer-image")

    researcher = Visitor(second_page, airlock_pages, shots)
    second_page.goto(f"{airlock_pages.url}/")
    researcher.check("/", "signed-out")
    sign_in(second_page, airlock_pages, "alice")
    researcher.check("/", "researcher-home")
    researcher.check(f"/requests/{request_id}", "researcher-request")

    context = browser.new_context()
    context.set_default_timeout(15_000)
    try:
        operator_page = context.new_page()
        operator = Visitor(operator_page, airlock_pages, shots)
        sign_in(operator_page, airlock_pages, "otto", "/audit")
        operator.check("/audit", "operator-audit")
    finally:
        context.close()
