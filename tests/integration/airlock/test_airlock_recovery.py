"""Interrupted submissions and releases are finished by recover(), without duplicates.

A crash is simulated by a store that dies (raises a BaseException, like a kill the
service cannot catch) after a given number of writes, leaving whatever it left.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import pytest

from orchestrator.adapters.database import AirlockRepository, Database
from orchestrator.adapters.storage import S3ObjectStore, StoredObject
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock import AirlockService
from orchestrator.services.airlock.streams import TMP_PREFIX
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock.flows import ALICE, RITA, SAFE_TABLE, approved, draft

FILES = {f"part-{i}.csv": SAFE_TABLE + str(i).encode() + b",200\n" for i in range(4)}


class Crash(BaseException):
    """The process died."""


class CrashingStore:
    """The real store, except that the process dies during write number ``die_at``."""

    def __init__(self, store: S3ObjectStore, die_at: int) -> None:
        self._store = store
        self._writes = 0
        self._die_at = die_at

    def put_stream(self, bucket: str, key: str, stream: BinaryIO, length: int = -1) -> StoredObject:
        self._writes += 1
        if self._writes == self._die_at:
            # the first bytes reach the store, then the process dies
            self._store.put_stream(bucket, key, io.BytesIO(stream.read(5)))
            raise Crash
        return self._store.put_stream(bucket, key, stream, length)

    def copy(self, bucket: str, key: str, dest_bucket: str, dest_key: str) -> None:
        self._store.copy(bucket, key, dest_bucket, dest_key)

    def remove(self, bucket: str, key: str) -> None:
        # a dying process does not get to clean up its temporary objects
        if self._writes >= self._die_at and key.startswith(TMP_PREFIX):
            raise Crash
        self._store.remove(bucket, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def restart(airlock: AirlockService) -> Iterator[Callable[[Any], AirlockService]]:
    """A new service process on the same database and buckets (disposed after the test)."""
    databases: list[Database] = []

    def start(store: Any) -> AirlockService:
        databases.append(Database(airlock.database.url))
        return AirlockService(databases[-1], store, BasicChecker(), airlock.signer, airlock.config)

    yield start
    for database in databases:
        database.dispose()


def test_submission_interrupted_before_checks_resumes_on_recover(
    airlock: AirlockService, store: S3ObjectStore, restart: Callable[[Any], AirlockService]
) -> None:
    request = airlock.submit(ALICE, draft(airlock).id, process=False)
    assert request.state is State.SUBMITTED
    report = restart(store).recover()
    assert request.id in report.resumed
    assert airlock.get_request(ALICE, request.id).request.state is State.IN_REVIEW


@pytest.mark.parametrize("die_at", [1, 2, 4])
def test_release_killed_midway_completes_once_on_recover(
    airlock: AirlockService,
    store: S3ObjectStore,
    restart: Callable[[Any], AirlockService],
    die_at: int,
) -> None:
    request = approved(airlock, FILES)
    crashing = restart(CrashingStore(store, die_at))
    with pytest.raises(Crash):
        crashing.release(RITA, request.id)
    assert airlock.get_request(RITA, request.id).request.state is State.RELEASING
    bucket = airlock.config.release_bucket
    assert store.list_keys(bucket, TMP_PREFIX)  # the half-written object is still there

    report = restart(store).recover()
    assert request.id in report.resumed
    assert report.temporary_objects_removed >= 1
    assert airlock.get_request(RITA, request.id).request.state is State.RELEASED
    assert store.list_keys(bucket, TMP_PREFIX) == []
    keys = store.list_keys(bucket, f"genomics/{request.id}/")
    expected = {f"genomics/{request.id}/v1/files/{name}" for name in FILES}
    assert set(keys) == expected | {f"genomics/{request.id}/v1/release-manifest.json"}
    for name, data in FILES.items():
        assert store.measure(bucket, f"genomics/{request.id}/v1/files/{name}").size == len(data)
    with airlock.database.session() as session:
        actions = Counter(
            (r.action, r.details.get("name"))
            for r in AirlockRepository(session).audit_records(request_id=request.id)
        )
    assert all(actions[("file_released", name)] == 1 for name in FILES)
    assert actions[("state_released", None)] == 1
    assert airlock.verify_audit_chain().ok


def test_upload_killed_midway_leaves_nothing_half_written(
    airlock: AirlockService, store: S3ObjectStore, restart: Callable[[Any], AirlockService]
) -> None:
    request = draft(airlock, {})
    crashing = restart(CrashingStore(store, 1))
    with pytest.raises(Crash):
        crashing.add_file(ALICE, request.id, "table.csv", stream=io.BytesIO(SAFE_TABLE))
    restart(store).recover()
    assert store.list_keys(airlock.config.quarantine_bucket, TMP_PREFIX) == []
    assert airlock.get_request(ALICE, request.id).request.files == ()
