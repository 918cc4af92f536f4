"""The airlock as a real process over SQLite or PostgreSQL, SeaweedFS and Keycloak."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.airlock_api.service_process import AirlockProcess
from tests.harness.clamav import make_signature_database
from tests.integration.airlock_api.conftest import settings_values, tokens

__all__ = ["tokens"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'airlock.db'}"
    server = request.getfixturevalue("postgres")
    url: str = server.create_database(f"airlock_{uuid.uuid4().hex[:10]}")
    return url


@pytest.fixture
def service(database_url: str, s3: Any, keycloak: Any, tmp_path: Path) -> Iterator[AirlockProcess]:
    values = settings_values(database_url=database_url, s3=s3, keycloak=keycloak, tmp_path=tmp_path)
    # The real engine with the tier-0 profile: a small count goes to a reviewer instead
    # of blocking, and the crash test's 192 MiB file is within its size limit. Every
    # profile requires malware scanning: a local signature database.
    signatures = make_signature_database(tmp_path / "clamav-db")
    values["checks"] = {"ruleset": "tier0", "clamav_database": str(signatures)}
    process = AirlockProcess(values=values, log_path=tmp_path / "airlock.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()
