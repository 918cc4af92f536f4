"""``tre register publish --database-url`` reads released exports from a real airlock database.

The database is SQLite, migrated by the shipped migrations; requests and votes are
stored through the airlock's own repository, with identifiers in every free-text field.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from orchestrator.adapters.database import AirlockRepository, Database, upgrade_head
from orchestrator.cli.main import cli
from orchestrator.domain.airlock.model import (
    Decision,
    Direction,
    Request,
    RequestFile,
    Vote,
)
from orchestrator.domain.airlock.states import State
from tests.unit.register.examples import IDENTIFIERS, PROJECTS

AT = datetime(2026, 3, 10, 16, 45, tzinfo=UTC)


def _store(database: Database, request_id: str, state: State, direction: Direction) -> None:
    request = Request(
        id=request_id,
        project="stroke",
        requester="alice",
        direction=direction,
        title="Table 2 for john_smith 943-476-5919",
        purpose="Counts for Jane Doe, dob-1961-02-17",
        state=state,
        version=1,
        submitted_version=1,
        files=(
            RequestFile(name="out/john_smith_943-476-5919.csv", context="rows of john_smith"),
            RequestFile(name="figures/postcode-EX4-4QJ.png"),
        ),
        created_at=AT,
        updated_at=AT,
    )
    with database.session() as session:
        repository = AirlockRepository(session)
        repository.add_request(request)
        repository.save_request(request)
        repository.mark_version(request_id, 1, ruleset_id="default", ruleset_version="2026.1")
        for reviewer in ("rita", "ravi"):
            repository.add_vote(
                request_id,
                Vote(reviewer, 1, Decision.APPROVE, comment="fine for Jane Doe", at=AT),
            )


def test_publish_reads_released_exports_from_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'airlock.db'}"
    database = Database(url)
    upgrade_head(database.engine)
    _store(database, "req-released", State.RELEASED, Direction.EXPORT)
    _store(database, "req-review", State.IN_REVIEW, Direction.EXPORT)
    _store(database, "req-import", State.RELEASED, Direction.IMPORT)
    database.dispose()
    projects = tmp_path / "projects.json"
    projects.write_text(json.dumps(PROJECTS))
    out = tmp_path / "site"

    result = CliRunner().invoke(
        cli,
        [
            "register",
            "publish",
            "--projects",
            str(projects),
            "--database-url",
            url,
            "--out",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    feed = json.loads((out / "register.json").read_text())
    assert feed["releases"] == [
        {
            "project": "stroke",
            "releasedOn": "2026-03-10",
            "outputs": [{"kind": "table", "files": 1}, {"kind": "figure", "files": 1}],
            "reviewers": 2,
            "ruleSet": "default",
            "ruleSetVersion": "2026.1",
        }
    ]
    published = (out / "register.json").read_text() + (out / "index.html").read_text()
    assert [i for i in IDENTIFIERS if i.lower() in published.lower()] == []


def test_an_unmigrated_database_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    projects = tmp_path / "projects.json"
    projects.write_text(json.dumps(PROJECTS))
    out = tmp_path / "site"
    result = CliRunner().invoke(
        cli,
        [
            "register",
            "publish",
            "--projects",
            str(projects),
            "--database-url",
            f"sqlite:///{tmp_path / 'empty.db'}",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "the airlock database is unavailable" in result.output
    assert not out.exists()


def test_without_a_source_of_requests_publish_says_what_to_give(tmp_path: Path) -> None:
    projects = tmp_path / "projects.json"
    projects.write_text(json.dumps(PROJECTS))
    result = CliRunner().invoke(
        cli,
        ["register", "publish", "--projects", str(projects), "--out", str(tmp_path / "s")],
        env={"TRE_AIRLOCK_DATABASE__URL": None},
    )
    assert result.exit_code == 2
    assert "give --requests FILE or --database-url URL" in result.output
