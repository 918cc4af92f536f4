"""The whole airlock through its CLI and HTTP API with real Keycloak tokens.

A researcher submits from the command line, two reviewers approve, one releases,
the researcher downloads through the airlock (checked against the manifest), the operator verifies
the audit log; then someone edits an audit row in the database and verification fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.e2e.airlock_api.service_process import TRE, AirlockProcess

TABLE = b"region,count\nnorth,120\nsouth,7\n"


def tre(service: AirlockProcess, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRE_", "JUPYTERHUB_"))}
    env.update(TRE_AIRLOCK_URL=service.url, TRE_TOKEN=token)
    return subprocess.run(
        [str(TRE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout) if result.stdout.lstrip().startswith(("{", "[")) else None


def wait_for_state(
    service: AirlockProcess, token: str, request_id: str, state: str, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        current: dict[str, Any] = ok(tre(service, token, "airlock", "status", request_id, "--json"))
        if current["state"] == state or time.monotonic() > deadline:
            assert current["state"] == state, current
            return current
        time.sleep(0.2)


def tamper(database_url: str) -> None:
    """What an attacker with database access would do: lift the guard, edit a record."""
    engine = create_engine(database_url)
    with engine.begin() as db:
        if engine.dialect.name == "sqlite":
            db.execute(text("DROP TRIGGER audit_records_no_update"))
        else:
            db.execute(text("ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_update"))
        db.execute(
            text(
                "UPDATE audit_records SET actor = 'mallory' WHERE seq = (SELECT MIN(seq) FROM audit_records)"
            )
        )
    engine.dispose()


def test_submit_review_release_download_and_verify(
    service: AirlockProcess, tokens: Callable[[str], str], tmp_path: Path, database_url: str
) -> None:
    table = tmp_path / "table.csv"
    table.write_bytes(TABLE)
    alice, rita, rosa, otto = (tokens(u) for u in ("alice", "rita", "rosa", "otto"))

    submitted = ok(
        tre(
            service,
            alice,
            "airlock",
            "submit",
            "genomics",
            str(table),
            "--title",
            "Counts",
            "--purpose",
            "Table 1 of the paper",
            "--context",
            "regional counts",
            "--json",
        )
    )
    request_id = submitted["id"]
    wait_for_state(service, alice, request_id, "in_review")

    view = ok(tre(service, rita, "airlock", "review", request_id))
    keys = [f["key"] for f in view["files"][0]["findings"] if f["severity"] == "review"]
    assert keys, "the small count (7) must be flagged for review"

    refused = tre(service, rita, "airlock", "review", request_id, "--approve")
    assert refused.returncode == 1
    assert "acknowledg" in refused.stderr

    acks = [arg for key in keys for arg in ("--ack", key)]
    ok(tre(service, rita, "airlock", "review", request_id, "--approve", *acks))
    ok(tre(service, rosa, "airlock", "review", request_id, "--approve", *acks))
    wait_for_state(service, alice, request_id, "approved")

    own_release = tre(service, alice, "airlock", "release", request_id)
    assert own_release.returncode == 2
    assert "may not release" in own_release.stderr

    ok(tre(service, rita, "airlock", "release", request_id))
    wait_for_state(service, alice, request_id, "released")

    out = tmp_path / "out"
    ok(tre(service, alice, "airlock", "download", request_id, "-o", str(out)))
    assert (out / "table.csv").read_bytes() == TABLE

    verified = tre(service, otto, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "audit log intact" in verified.stdout

    tamper(database_url)
    broken = tre(service, otto, "audit", "verify")
    assert broken.returncode == 1
    assert "AUDIT LOG ALTERED" in broken.stderr
