"""Airlock services wired to real backends: SQLite and PostgreSQL, SeaweedFS S3."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.adapters.database import Database
from orchestrator.adapters.signing import LocalEd25519Signer
from orchestrator.adapters.storage import S3ObjectStore, S3Settings
from orchestrator.services.airlock import AirlockConfig, AirlockService
from tests.doubles.basic_checker import BasicChecker


def make_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'airlock.db'}"
    postgres: Any = request.getfixturevalue("postgres")
    return str(postgres.create_database(f"airlock_{uuid.uuid4().hex[:12]}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend."""
    return make_database_url(request.param, tmp_path, request)


def make_store(s3: Any) -> S3ObjectStore:
    return S3ObjectStore(
        S3Settings(
            endpoint=s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=False
        )
    )


@pytest.fixture
def store(s3: Any) -> S3ObjectStore:
    return make_store(s3)


RUN_SUFFIX = uuid.uuid4().hex[:12]
"""One pair of buckets per test run: S3 servers such as SeaweedFS give every bucket its own
volumes, so a bucket per test would exhaust them. Keys are per request, so tests never clash."""


def make_config(**changes: Any) -> AirlockConfig:
    suffix = RUN_SUFFIX
    settings: dict[str, Any] = {
        "quarantine_bucket": f"airlock-q-{suffix}",
        "release_bucket": f"airlock-r-{suffix}",
        "outbox_bucket_pattern": f"outbox-{suffix}-{{project}}",
        "audit_bucket": f"airlock-a-{suffix}",
        "audit_prefix": f"checkpoints-{uuid.uuid4().hex[:12]}/",  # one chain per database
    }
    settings.update(changes)
    return AirlockConfig(**settings)


@pytest.fixture
def signer() -> LocalEd25519Signer:
    return LocalEd25519Signer.generate()


@pytest.fixture
def airlock(
    database_url: str, store: S3ObjectStore, signer: LocalEd25519Signer
) -> Iterator[AirlockService]:
    database = Database(database_url)
    service = AirlockService(database, store, BasicChecker(), signer, make_config())
    service.setup()
    yield service
    database.dispose()
