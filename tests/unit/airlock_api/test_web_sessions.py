"""Signed cookies open only as sealed, with the same key, for the same purpose, in time."""

from __future__ import annotations

import time

import pytest

from orchestrator.adapters.oidc_sign_in import SignedIn, SignInStart
from orchestrator.api.web.sessions import (
    SESSION_COOKIE,
    CookieSigner,
    Session,
    open_sign_in,
    safe_next,
    seal_sign_in,
)

SIGNER = CookieSigner(b"k" * 32)
PERSON = SignedIn(issuer="http://127.0.0.1:1/realms/tre", subject="sub-1", username="rita")


def test_a_sealed_session_opens_to_the_same_person() -> None:
    session = Session.start(PERSON)
    opened = Session.open(SIGNER, session.seal(SIGNER, 60))
    assert opened == session
    assert (opened.issuer, opened.subject, opened.username) == (
        "http://127.0.0.1:1/realms/tre",
        "sub-1",
        "rita",
    )


def test_a_changed_username_breaks_the_signature() -> None:
    cookie = Session.start(PERSON).seal(SIGNER, 60)
    body, mac = cookie.split(".")
    forged_body = CookieSigner(b"x" * 32).seal(SESSION_COOKIE, {"usr": "otto"}, 60).split(".")[0]
    assert Session.open(SIGNER, f"{forged_body}.{mac}") is None
    assert Session.open(SIGNER, f"{body}.{mac}A") is None


def test_another_key_or_purpose_does_not_open_it() -> None:
    cookie = Session.start(PERSON).seal(SIGNER, 60)
    assert Session.open(CookieSigner(b"z" * 32), cookie) is None
    assert SIGNER.open("tre_airlock_sign_in", cookie) is None


def test_an_expired_session_is_no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = Session.start(PERSON).seal(SIGNER, 60)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert Session.open(SIGNER, cookie) is None


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "!!.??", "e30.AAAA"])
def test_garbage_is_no_session(garbage: str) -> None:
    assert Session.open(SIGNER, garbage) is None


def test_the_csrf_token_must_match_exactly() -> None:
    session = Session.start(PERSON)
    assert session.check_csrf(session.csrf)
    assert not session.check_csrf(None)
    assert not session.check_csrf(session.csrf[:-1])


def test_a_sign_in_keeps_its_pkce_verifier_and_destination() -> None:
    start = SignInStart(
        state="s", nonce="n", verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )
    opened = open_sign_in(SIGNER, seal_sign_in(SIGNER, start, "/requests/1"))
    assert opened == (start, "/requests/1")


def test_the_pkce_challenge_is_rfc_7636_s256() -> None:
    # The example in RFC 7636, appendix B.
    start = SignInStart(
        state="s", nonce="n", verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )
    assert start.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize(
    ("asked", "went"),
    [
        ("/requests/1", "/requests/1"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("requests", "/"),
    ],
)
def test_after_sign_in_the_browser_stays_on_this_site(asked: str | None, went: str) -> None:
    assert safe_next(asked) == went
