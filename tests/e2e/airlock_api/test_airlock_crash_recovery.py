"""SIGKILL the airlock mid-upload, mid-submission and mid-release; restart; nothing is lost.

The service runs as a real process (``tre airlock serve``) on SQLite or PostgreSQL
and SeaweedFS. Kills are triggered by progress, not by timers: mid-upload when half
the bytes have been sent, mid-submission and mid-release right after the API has
accepted the move (the long work then runs in the background). After each restart
the service's recovery runs before it serves, and the test checks: the request is
still there in a consistent state, nothing was released twice, and no partial
object remains in quarantine or release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from minio import Minio
from sqlalchemy import create_engine, text

from orchestrator.embedded.seaweedfs import REGION
from tests.e2e.airlock_api.service_process import AirlockProcess

MIB = 1024 * 1024
SIZE_MIB = 192
LINE = b"y" * 1023 + b"\n"
API = "/api/v1"


def chunks(total_mib: int, on_chunk: Callable[[int], None] | None = None) -> Iterator[bytes]:
    block = LINE * (MIB // len(LINE))
    for index in range(total_mib):
        if on_chunk is not None:
            on_chunk(index)
        yield block


def expected_sha256(total_mib: int) -> str:
    digest = hashlib.sha256()
    for block in chunks(total_mib):
        digest.update(block)
    return digest.hexdigest()


class Api:
    def __init__(self, service: AirlockProcess, tokens: Callable[[str], str]) -> None:
        self.service, self.tokens = service, tokens

    def call(self, user: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens(user)}"}
        return httpx.request(
            method, self.service.url + path, headers=headers, timeout=600, **kwargs
        )

    def ok(self, user: str, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(user, method, path, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer.json()


def storage(values: dict[str, Any]) -> Minio:
    s = values["storage"]
    return Minio(s["endpoint"], s["access_key"], s["secret_key"], secure=False, region=REGION)


def keys(client: Minio, bucket: str) -> list[str]:
    return sorted(o.object_name for o in client.list_objects(bucket, recursive=True))


def object_sha256(client: Minio, bucket: str, key: str) -> str:
    digest = hashlib.sha256()
    response = client.get_object(bucket, key)
    try:
        for part in response.stream(MIB):
            digest.update(part)
    finally:
        response.close()
        response.release_conn()
    return digest.hexdigest()


def scalar(database_url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            return db.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


@pytest.mark.timeout(900)
def test_sigkill_during_upload_submission_and_release_loses_and_duplicates_nothing(
    service: AirlockProcess, tokens: Callable[[str], str], database_url: str
) -> None:
    api = Api(service, tokens)
    buckets = service.values["storage"]
    quarantine, release = buckets["quarantine_bucket"], buckets["release_bucket"]
    s3 = storage(service.values)
    digest = expected_sha256(SIZE_MIB)

    created = api.ok(
        "alice",
        "POST",
        f"{API}/projects/genomics/requests",
        json={"title": "Large output", "purpose": "crash test"},
    )
    request_id = created["id"]
    upload = f"{API}/requests/{request_id}/files/large.txt"

    # 1. Killed half-way through the upload: the draft survives, without the file.
    def kill_half_way(index: int) -> None:
        if index == SIZE_MIB // 2:
            service.kill()

    with pytest.raises(httpx.HTTPError):
        api.call("alice", "PUT", upload, content=chunks(SIZE_MIB, kill_half_way))
    service.start()
    after_upload_crash = api.ok("alice", "GET", f"{API}/requests/{request_id}")
    assert after_upload_crash["state"] == "draft"
    assert after_upload_crash["files"] == []
    assert [k for k in keys(s3, quarantine) if not k.startswith("sha256/")] == []

    # 2. Killed right after the submission was accepted: recovery finishes the checks.
    uploaded = api.ok("alice", "PUT", upload, content=chunks(SIZE_MIB))
    assert uploaded["files"][0]["sha256"] == digest
    submitted = api.ok("alice", "POST", f"{API}/requests/{request_id}/submit")
    assert submitted["state"] in ("submitted", "checking")
    service.kill()
    assert scalar(
        database_url, "SELECT state FROM airlock_requests WHERE id = :id", id=request_id
    ) in (
        "submitted",
        "checking",
    )
    service.start()
    in_review = api.ok("rita", "GET", f"{API}/requests/{request_id}/review")
    assert in_review["state"] == "in_review"
    assert in_review["files"][0]["sha256"] == digest
    assert keys(s3, quarantine) == [f"sha256/{digest}"]
    assert object_sha256(s3, quarantine, f"sha256/{digest}") == digest

    # 3. Killed right after the release was accepted: recovery finishes the copy, once.
    for reviewer in ("rita", "rosa"):
        api.ok(
            reviewer,
            "POST",
            f"{API}/requests/{request_id}/decisions",
            json={"decision": "approve", "acknowledged": []},
        )
    releasing = api.ok("rita", "POST", f"{API}/requests/{request_id}/release")
    assert releasing["state"] == "releasing"
    service.kill()
    assert (
        scalar(database_url, "SELECT state FROM airlock_requests WHERE id = :id", id=request_id)
        == "releasing"
    )
    service.start()
    released = api.ok("alice", "GET", f"{API}/requests/{request_id}")
    assert released["state"] == "released"
    assert released["released"] == ["large.txt"]

    in_release = keys(s3, release)
    assert not [k for k in in_release if k.startswith("tmp/")], in_release
    files = [k for k in in_release if k.endswith("/large.txt")]
    assert len(files) == 1, in_release
    assert object_sha256(s3, release, files[0]) == digest
    count = "SELECT COUNT(*) FROM {table} WHERE request_id = :id{extra}"
    assert (
        scalar(database_url, count.format(table="airlock_released_files", extra=""), id=request_id)
        == 1
    )
    for action in ("file_released", "state_released"):
        assert (
            scalar(
                database_url,
                count.format(table="audit_records", extra=" AND action = :action"),
                id=request_id,
                action=action,
            )
            == 1
        ), f"{action} recorded more than once"

    fetched = hashlib.sha256()
    with httpx.stream(
        "GET",
        f"{service.url}{API}/requests/{request_id}/files/large.txt/content",
        headers={"Authorization": f"Bearer {tokens('alice')}"},
        timeout=600,
    ) as response:
        assert response.status_code == 200
        for part in response.iter_bytes(MIB):
            fetched.update(part)
    assert fetched.hexdigest() == digest
    assert api.ok("otto", "GET", f"{API}/audit/verify")["ok"] is True
