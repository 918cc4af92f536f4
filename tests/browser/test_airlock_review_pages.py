"""A reviewer does a review in Chromium: queue, request, a flagged table cell, an image, the vote.

Against the real airlock app over HTTP with the export-check engine (default rule
set: a zero count is a ``review`` finding), Keycloak sign-in and SeaweedFS. Every
request the browser makes outside 127.0.0.1 is aborted, and none may happen. The
requester is shown no voting controls, and a vote she forges is refused.
"""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.airlock_pages import (
    AirlockPages,
    airlock_pages,
    failed_requests,
    outside_requests,
    sign_in,
    submit_request,
)

__all__ = ["airlock_pages", "failed_requests", "outside_requests"]

TABLE = b"group,n\nexposed,120\nunexposed,0\n"


def _figure() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 128, 0)).save(out, format="JPEG")
    return out.getvalue()


def test_a_reviewer_reviews_a_request_with_a_flagged_cell_and_an_image(
    page: Page,
    airlock_pages: AirlockPages,
    outside_requests: list[str],
    failed_requests: list[str],
) -> None:
    request_id = submit_request(
        airlock_pages,
        "alice",
        "Table 2 counts",
        {
            "counts.csv": (TABLE, "Cohort counts by exposure."),
            "notes.txt": (b"method: logistic\nn=120\n", "Model notes."),
            "figure.jpg": (_figure(), "Figure 1."),
        },
    )
    sign_in(page, airlock_pages, "rita", "/review")
    page.goto(f"{airlock_pages.url}/review")
    row = page.locator("#queue tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("alice")
    expect(row.locator("td").nth(6)).to_have_text("review")

    row.get_by_role("link", name="Table 2 counts").click()
    expect(page.locator("#state")).to_have_text("in_review")
    expect(page.locator("#purpose")).to_have_text("Counts for the paper's table 2.")
    expect(page.get_by_text("Cohort counts by exposure.")).to_be_visible()
    expect(page.locator("#votes-hidden")).to_be_visible()

    page.get_by_role("link", name="counts.csv").click()
    flagged = page.locator('#contents td.flagged[data-row="3"][data-column="n"]')
    expect(flagged.locator("mark")).to_have_text("0")
    expect(flagged).to_contain_text("zero count")
    summary = page.locator("#summaries tbody tr").nth(1)
    expect(summary.locator("td")).to_have_text(["2", "0", "120", "120", "120", "100%", "0", "0"])

    page.goto(f"{airlock_pages.url}/requests/{request_id}/files/notes.txt")
    expect(page.locator("#text tbody tr").nth(1)).to_contain_text("n=120")

    page.goto(f"{airlock_pages.url}/requests/{request_id}/files/figure.jpg")
    pixels = page.locator("#pixels")
    expect(pixels).to_be_visible()
    assert pixels.evaluate("img => [img.complete, img.naturalWidth]") == [True, 40]
    served = page.request.get(f"{airlock_pages.url}/requests/{request_id}/pixels?name=figure.jpg")
    assert served.headers["content-type"] == "image/png"
    assert served.body().startswith(b"\x89PNG\r\n\x1a\n")  # a JPEG, shown as new PNG pixels

    page.goto(f"{airlock_pages.url}/requests/{request_id}")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record my decision").click()
    expect(page.locator("#reason")).to_contain_text("acknowledging every finding")

    page.goto(f"{airlock_pages.url}/requests/{request_id}")
    for box in page.locator("#vote input[type=checkbox]").all():
        box.check()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record my decision").click()
    expect(page.locator("#state")).to_have_text("in_review")
    expect(page.locator("#vote")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("vote_cast")
    expect(page.locator("#history")).to_contain_text("file_viewed counts.csv")
    assert outside_requests == []
    assert failed_requests == []


def test_the_requester_gets_no_voting_controls_and_a_forged_vote_is_refused(
    page: Page, airlock_pages: AirlockPages
) -> None:
    request_id = submit_request(
        airlock_pages, "alice", "My own counts", {"counts.csv": (TABLE, "Counts.")}
    )
    sign_in(page, airlock_pages, "alice", f"/requests/{request_id}")
    page.goto(f"{airlock_pages.url}/requests/{request_id}")
    expect(page.locator("#state")).to_have_text("in_review")
    expect(page.locator("#vote")).to_have_count(0)
    expect(page.get_by_role("link", name="counts.csv")).to_have_count(0)

    csrf = page.context.cookies(airlock_pages.url)
    assert csrf  # signed in
    token = page.evaluate("() => document.querySelector('input[name=csrf]').value")
    forged = page.request.post(
        f"{airlock_pages.url}/requests/{request_id}/decision",
        form={"csrf": token, "decision": "approve"},
    )
    assert forged.status == 403
    opened = page.request.get(f"{airlock_pages.url}/requests/{request_id}/files/counts.csv")
    assert opened.status == 403
    page.reload()
    expect(page.locator("#state")).to_have_text("in_review")


def _vote(page: Page, decision: str, comment: str = "") -> None:
    for box in page.locator("#vote input[type=checkbox]").all():
        box.check()
    page.get_by_label(decision).check()
    page.locator("#comment").fill(comment)
    page.get_by_role("button", name="Record my decision").click()


def test_votes_stay_blind_until_all_are_in_and_the_requester_answers_with_a_new_version(
    page: Page, browser: Browser, airlock_pages: AirlockPages
) -> None:
    request_id = submit_request(
        airlock_pages, "alice", "Counts to fix", {"counts.csv": (TABLE, "Counts.")}
    )
    path = f"/requests/{request_id}"
    sign_in(page, airlock_pages, "rita", path)
    _vote(page, "Request changes", "Suppress the zero in row 3.")
    expect(page.locator("#votes")).to_contain_text("rita — request_changes")

    contexts = [browser.new_context(), browser.new_context()]
    try:
        rosa, alice = (c.new_page() for c in contexts)
        sign_in(rosa, airlock_pages, "rosa", path)
        expect(rosa.locator("#votes-hidden")).to_be_visible()  # rita's vote is not shown yet
        _vote(rosa, "Approve")
        expect(rosa.locator("#state")).to_have_text("changes_requested")
        expect(rosa.locator("#votes")).to_contain_text("Suppress the zero in row 3.")

        sign_in(alice, airlock_pages, "alice", path)
        expect(alice.locator("#state")).to_have_text("changes_requested")
        expect(alice.locator("#votes")).to_contain_text("Suppress the zero in row 3.")
        alice.get_by_role("button", name="Start a new version").click()
        expect(alice.locator("#version")).to_have_text("2")
        alice.get_by_role("button", name="Submit for checking and review").click()
        for _ in range(100):
            if alice.locator("#state").inner_text() == "in_review":
                break
            alice.wait_for_timeout(200)
            alice.reload()
        expect(alice.locator("#state")).to_have_text("in_review")
        expect(alice.get_by_role("button", name="Submit for checking and review")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
