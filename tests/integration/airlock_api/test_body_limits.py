"""Bodies are bounded: authentication first, a maximum JSON size, per-request file limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.api.app import create_app
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock_api.conftest import Airlock, make_settings

API = "/api/v1"
CREATE = f"{API}/projects/genomics/requests"


@pytest.fixture
async def airlock(
    database_url: str, s3: Any, keycloak: Any, tokens: Callable[[str], str], tmp_path: Path
) -> AsyncIterator[Airlock]:
    settings = make_settings(
        database_url=database_url,
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
        server={"max_json_bytes": 4096, "max_files_per_request": 1, "max_request_bytes": 64},
    )
    app = create_app(settings, checker=BasicChecker())
    async with app.router.lifespan_context(app):
        yield Airlock(app=app, settings=settings, tokens=tokens)


def oversized() -> bytes:
    return json.dumps({"title": "t", "purpose": "p" * 10_000}).encode()


async def test_a_body_without_credentials_is_refused_as_unauthenticated(airlock: Airlock) -> None:
    async with airlock.client() as anonymous:
        answer = await anonymous.post(
            CREATE, content=oversized(), headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


async def test_a_page_form_without_a_browser_session_is_refused_before_its_body(
    airlock: Airlock,
) -> None:
    # An API token is no browser session: a page's form is refused before its body is read.
    async with airlock.client("alice") as alice:
        answer = await alice.post(
            "/requests/any/decision",
            content=oversized(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


async def test_a_json_body_past_the_limit_is_refused_with_413(airlock: Airlock) -> None:
    async with airlock.client("alice") as alice:
        declared = await alice.post(
            CREATE, content=oversized(), headers={"Content-Type": "application/json"}
        )

        async def chunks() -> AsyncIterator[bytes]:
            body = oversized()
            for start in range(0, len(body), 1000):
                yield body[start : start + 1000]

        streamed = await alice.post(
            CREATE, content=chunks(), headers={"Content-Type": "application/json"}
        )
        fine = await alice.post(CREATE, json={"title": "t", "purpose": "p"})
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json() == {
            "detail": "the request body is larger than 4096 bytes, the most the airlock accepts "
            "for a JSON call; files are uploaded with PUT to /api/v1/requests/<id>/files/<name>",
            "code": "too_large",
        }
    assert fine.status_code == 201, fine.text


async def test_uploads_past_the_request_limits_are_refused_with_413(airlock: Airlock) -> None:
    async with airlock.client("alice") as alice:
        created = await alice.post(CREATE, json={"title": "t", "purpose": "p"})
        files = f"{API}/requests/{created.json()['id']}/files"
        too_big = await alice.put(f"{files}/a.csv", content=b"n\n" * 40)
        first = await alice.put(f"{files}/a.csv", content=b"n\n" * 10)
        second = await alice.put(f"{files}/b.csv", content=b"n\n")
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "request_too_large"
    assert "larger than 64 bytes together" in too_big.json()["detail"]
    assert first.status_code == 200, first.text
    assert second.status_code == 413
    assert "already has 1 files, the most one request may hold" in second.json()["detail"]
