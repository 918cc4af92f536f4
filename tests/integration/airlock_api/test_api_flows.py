"""The HTTP API over the real service: review rules, notifications and metrics as users see them."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.api.app import create_app
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock_api.conftest import Airlock, make_settings
from tests.integration.airlock_api.receivers import WebhookSink, start_webhook_sink

API = "/api/v1"
TABLE = b"region,count\nnorth,120\nsouth,7\n"
KEY = b"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    sink = start_webhook_sink()
    yield sink
    sink.stop()


@pytest.fixture
async def airlock(
    database_url: str,
    s3: Any,
    keycloak: Any,
    tokens: Callable[[str], str],
    tmp_path: Path,
    webhook: WebhookSink,
) -> AsyncIterator[Airlock]:
    settings = make_settings(
        database_url=database_url,
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
        notifications={"webhook_url": webhook.url},
        downloads={"max_downloads": 2},
    )
    app = create_app(settings, checker=BasicChecker())
    async with app.router.lifespan_context(app):
        yield Airlock(app=app, settings=settings, tokens=tokens)


async def call(
    airlock: Airlock, user: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    async with airlock.client(user) as client:
        return await client.request(method, API + path, **kwargs)


async def ok(airlock: Airlock, user: str, method: str, path: str, **kwargs: Any) -> Any:
    answer = await call(airlock, user, method, path, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json()


async def submitted(airlock: Airlock, content: bytes = TABLE, name: str = "table.csv") -> str:
    created = await ok(
        airlock,
        "alice",
        "POST",
        "/projects/genomics/requests",
        json={"title": "Counts", "purpose": "paper"},
    )
    request_id: str = created["id"]
    await ok(
        airlock,
        "alice",
        "PUT",
        f"/requests/{request_id}/files/{name}",
        content=content,
        params={"context": "regional counts", "controls": "none yet"},
    )
    await ok(airlock, "alice", "POST", f"/requests/{request_id}/submit")
    await airlock.settle()
    return request_id


def finding_keys(view: dict[str, Any]) -> list[str]:
    return [
        f["key"] for file in view["files"] for f in file["findings"] if f["severity"] == "review"
    ]


async def test_votes_stay_hidden_until_all_are_in_and_changes_need_a_comment(
    airlock: Airlock,
) -> None:
    request_id = await submitted(airlock)
    view = await ok(airlock, "rita", "GET", f"/requests/{request_id}/review")
    assert view["state"] == "in_review"
    assert view["files"][0]["context"] == "regional counts"
    keys = finding_keys(view)
    assert keys

    no_comment = await call(
        airlock,
        "rosa",
        "POST",
        f"/requests/{request_id}/decisions",
        json={"decision": "request_changes"},
    )
    assert no_comment.status_code == 422
    assert "needs a comment" in no_comment.json()["detail"]

    await ok(
        airlock,
        "rita",
        "POST",
        f"/requests/{request_id}/decisions",
        json={"decision": "approve", "acknowledged": keys},
    )
    rosa_view = await ok(airlock, "rosa", "GET", f"/requests/{request_id}/review")
    assert rosa_view["votes"] == [], "rita's vote is hidden from rosa until rosa has voted"

    await ok(
        airlock,
        "rosa",
        "POST",
        f"/requests/{request_id}/decisions",
        json={"decision": "request_changes", "comment": "round the counts to 10"},
    )
    back = await ok(airlock, "alice", "GET", f"/requests/{request_id}")
    assert back["state"] == "changes_requested"
    assert {v["reviewer"] for v in back["votes"]} == {"rita", "rosa"}

    await ok(airlock, "alice", "POST", f"/requests/{request_id}/versions")
    await ok(
        airlock,
        "alice",
        "PUT",
        f"/requests/{request_id}/files/table.csv",
        content=b"region,count\nnorth,120\nsouth,10\n",
    )
    await ok(airlock, "alice", "POST", f"/requests/{request_id}/submit")
    await airlock.settle()
    second = await ok(airlock, "rita", "GET", f"/requests/{request_id}/review")
    assert second["version"] == 2
    assert second["state"] == "in_review"
    assert [v for v in second["votes"] if v["version"] == 2] == [], "a new version resets the votes"


async def test_block_finding_stops_the_request_and_counts_in_metrics(airlock: Airlock) -> None:
    request_id = await submitted(airlock, KEY, "id_rsa.txt")
    blocked = await ok(airlock, "alice", "GET", f"/requests/{request_id}")
    assert blocked["state"] == "blocked"
    approve = await call(
        airlock, "rita", "POST", f"/requests/{request_id}/decisions", json={"decision": "approve"}
    )
    assert approve.status_code == 403
    async with airlock.client() as anonymous:
        metrics = (await anonymous.get("/metrics")).text
    assert 'tre_airlock_requests{state="blocked"} 1.0' in metrics
    assert "tre_airlock_blocked_files_total 1.0" in metrics
    assert "tre_airlock_check_duration_seconds_count 1.0" in metrics


async def test_release_download_limit_revoke_and_notifications(
    airlock: Airlock, webhook: WebhookSink
) -> None:
    request_id = await submitted(airlock)
    keys = finding_keys(await ok(airlock, "rita", "GET", f"/requests/{request_id}/review"))
    for reviewer in ("rita", "rosa"):
        await ok(
            airlock,
            reviewer,
            "POST",
            f"/requests/{request_id}/decisions",
            json={"decision": "approve", "acknowledged": keys},
        )
    await ok(airlock, "otto", "POST", f"/requests/{request_id}/release")
    await airlock.settle()
    assert (await ok(airlock, "alice", "GET", f"/requests/{request_id}"))["state"] == "released"

    # The old attack: one download answer fetched again and again, by anyone holding it.
    content = f"/requests/{request_id}/files/table.csv/content"
    first = await call(airlock, "alice", "GET", content)
    assert first.status_code == 200, first.text
    assert first.content == TABLE
    assert first.headers["x-tre-sha256"] == hashlib.sha256(TABLE).hexdigest()
    leaked = " ".join([first.text, *first.headers.values()])
    assert "X-Amz-" not in leaked
    assert airlock.settings.storage.endpoint not in leaked
    async with airlock.client() as anonymous:
        assert (await anonymous.get(API + content)).status_code == 401
    assert (await call(airlock, "alice", "GET", content)).content == TABLE
    exhausted = await call(airlock, "alice", "GET", content)
    assert exhausted.status_code == 429
    assert "you have downloaded table.csv 2 times" in exhausted.json()["detail"]
    assert (await call(airlock, "ravi", "GET", content)).content == TABLE  # ravi's own count
    stolen = await call(airlock, "rita", "GET", content)
    assert stolen.status_code == 403
    old_link = f"/requests/{request_id}/files/table.csv/download-link"
    assert (await call(airlock, "alice", "POST", old_link)).status_code in (404, 405)
    manifest = await ok(airlock, "alice", "GET", f"/requests/{request_id}/manifest")
    assert [f["name"] for f in manifest["manifest"]["files"]] == ["table.csv"]

    await ok(
        airlock, "rita", "POST", f"/requests/{request_id}/revoke", json={"reason": "wrong file"}
    )
    assert (await call(airlock, "ravi", "GET", content)).status_code == 403

    async with airlock.client() as anonymous:
        metrics = (await anonymous.get("/metrics")).text
    assert "tre_airlock_releases_total 1.0" in metrics
    assert 'tre_airlock_time_to_decision_seconds_count{decision="approved"} 1.0' in metrics
    assert 'tre_airlock_requests{state="revoked"} 1.0' in metrics

    moves = [(e["audience"], e["from_state"], e["to_state"]) for _, e in webhook.events]
    assert ("reviewers", "checking", "in_review") in moves or (
        "reviewers",
        "submitted",
        "in_review",
    ) in moves
    requester_moves = [(f, t) for audience, f, t in moves if audience == "requester"]
    assert [t for _, t in requester_moves] == [
        "submitted",
        "in_review",
        "approved",
        "releasing",
        "released",
        "revoked",
    ]
