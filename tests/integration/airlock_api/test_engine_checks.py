"""The service as deployed checks with the export-check engine, not a stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.api.app import create_app
from tests.harness.clamav import make_signature_database
from tests.integration.airlock_api.conftest import Airlock, make_settings
from tests.integration.airlock_api.test_api_flows import ok, submitted

CLEAN_TABLE = b"region,count\nnorth,120\nsouth,70\n"
SMALL_COUNT_TABLE = b"region,count\nnorth,120\nsouth,7\n"
PRIVATE_KEY = (
    b"-----BEGIN RSA PRIVATE KEY-----\n"
    b"MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
    b"-----END RSA PRIVATE KEY-----\n"
)


@pytest.fixture
async def engine_airlock(
    database_url: str, s3: Any, keycloak: Any, tokens: Callable[[str], str], tmp_path: Path
) -> AsyncIterator[Airlock]:
    # The default rule set requires malware scanning: a local signature database.
    signatures = make_signature_database(tmp_path / "clamav-db")
    settings = make_settings(
        database_url=database_url,
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
        checks={"clamav_database": str(signatures)},
    )
    app = create_app(settings)  # no checker given: the configured engine and rule set
    async with app.router.lifespan_context(app):
        yield Airlock(app=app, settings=settings, tokens=tokens)


async def findings_of(airlock: Airlock, request_id: str) -> tuple[str, list[tuple[str, str]]]:
    view = await ok(airlock, "alice", "GET", f"/requests/{request_id}")
    findings = [(f["rule"], f["severity"]) for file in view["files"] for f in file["findings"]]
    return view["state"], findings


async def test_a_clean_table_goes_to_review_with_no_findings(engine_airlock: Airlock) -> None:
    state, findings = await findings_of(
        engine_airlock, await submitted(engine_airlock, CLEAN_TABLE)
    )
    assert state == "in_review"
    assert findings == []


async def test_the_engine_blocks_a_small_count_and_a_private_key(engine_airlock: Airlock) -> None:
    state, findings = await findings_of(
        engine_airlock, await submitted(engine_airlock, SMALL_COUNT_TABLE)
    )
    assert state == "blocked"
    assert ("tables.min_cell_count", "block") in findings

    state, findings = await findings_of(
        engine_airlock, await submitted(engine_airlock, PRIVATE_KEY, "notes.txt")
    )
    assert state == "blocked"
    assert ("secrets.private_keys", "block") in findings
