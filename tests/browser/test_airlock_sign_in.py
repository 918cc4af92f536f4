"""Signing in to the airlock's pages in Chromium: real Keycloak, code flow with PKCE.

Each control is tried from the outside: a forged sign-out post, a forged session
cookie, a callback the browser never started. Every request the browser makes
outside 127.0.0.1 is aborted and counted, and none may happen.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from orchestrator.api.web.sessions import SESSION_COOKIE, CookieSigner
from tests.browser.airlock_pages import (
    AirlockPages,
    airlock_pages,
    failed_requests,
    outside_requests,
    sign_in,
)

__all__ = ["airlock_pages", "failed_requests", "outside_requests"]


def test_a_reviewer_signs_in_through_the_identity_provider(
    page: Page,
    airlock_pages: AirlockPages,
    outside_requests: list[str],
    failed_requests: list[str],
) -> None:
    sign_in(page, airlock_pages, "rita")

    assert page.url == f"{airlock_pages.url}/"
    expect(page.locator("#no-requests")).to_have_text("You have made no airlock requests.")
    cookies = {c["name"]: c for c in page.context.cookies(airlock_pages.url)}
    session = cookies[SESSION_COOKIE]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert "tre_airlock_sign_in" not in cookies
    assert outside_requests == []
    assert failed_requests == []


def test_pages_forbid_outside_content_and_sniffing(page: Page, airlock_pages: AirlockPages) -> None:
    response = page.goto(f"{airlock_pages.url}/")
    assert response is not None
    headers = response.headers
    assert headers["content-security-policy"].startswith("default-src 'self';")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    # Chromium sends "Origin: null" on form posts under "no-referrer"; the origin check needs it.
    assert headers["referrer-policy"] == "same-origin"


def test_sign_out_without_the_session_token_is_refused(
    page: Page, airlock_pages: AirlockPages
) -> None:
    sign_in(page, airlock_pages, "rita")

    forged = page.request.post(f"{airlock_pages.url}/logout", form={"csrf": "guessed"})
    assert forged.status == 403
    assert "security token" in forged.text()
    page.reload()
    expect(page.locator("#signed-in-as")).to_have_text("rita")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    names = {c["name"] for c in page.context.cookies(airlock_pages.url)}
    assert SESSION_COOKIE not in names


def test_a_session_cookie_signed_with_another_key_is_no_session(
    page: Page, airlock_pages: AirlockPages
) -> None:
    forged = CookieSigner(b"not-the-airlock-secret-0123456789abcdef").seal(
        SESSION_COOKIE,
        {"iss": airlock_pages.keycloak.issuer, "sub": "x", "usr": "otto", "csrf": "c"},
        3600,
    )
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": forged, "url": airlock_pages.url}])
    page.goto(f"{airlock_pages.url}/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator("#signed-in-as")).to_have_count(0)


def test_a_callback_this_browser_did_not_start_is_refused(
    page: Page, airlock_pages: AirlockPages
) -> None:
    response = page.goto(f"{airlock_pages.url}/auth/callback?state=made-up&code=stolen")
    assert response is not None
    assert response.status == 401
    expect(page.locator("#reason")).to_contain_text("was not started here")
    expect(page.locator("#signed-in-as")).to_have_count(0)
