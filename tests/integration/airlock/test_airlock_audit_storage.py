"""The stored audit chain: append-only in the database, and tampering is found by verify."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from orchestrator.adapters.database import AirlockRepository, Database
from orchestrator.adapters.database.migrate import current_revision, upgrade_head
from orchestrator.domain.airlock.audit import AuditRecord, make_record, verify_chain
from orchestrator.services.airlock import AirlockService
from tests.integration.airlock.flows import released

TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER audit_records_no_update",
        "DROP TRIGGER audit_records_no_delete",
        "DROP TRIGGER audit_checkpoints_no_update",
        "DROP TRIGGER audit_checkpoints_no_delete",
    ],
    "postgresql": [
        "ALTER TABLE audit_records DISABLE TRIGGER USER",
        "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER",
    ],
}


def tamper(airlock: AirlockService, *statements: str) -> None:
    """What an attacker with database administrator rights could do."""
    engine = airlock.database.engine
    with engine.begin() as connection:
        for drop in TRIGGERS[engine.dialect.name]:
            connection.exec_driver_sql(drop)
        for statement in statements:
            connection.execute(text(statement))


def test_migrations_are_idempotent_and_at_head(database_url: str) -> None:
    database = Database(database_url)
    upgrade_head(database.engine)
    upgrade_head(database.engine)
    assert current_revision(database.engine) == "0002_completed_downloads"
    database.dispose()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_records SET actor = 'mallory'", "DELETE FROM audit_records WHERE seq = 2"],
)
def test_database_refuses_to_change_audit_records(airlock: AirlockService, statement: str) -> None:
    released(airlock)
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"),
        airlock.database.engine.begin() as connection,
    ):
        connection.execute(text(statement))
    assert airlock.verify_audit_chain().ok


def test_intact_chain_verifies_with_signed_checkpoints(airlock: AirlockService) -> None:
    released(airlock)
    checkpoint = airlock.write_checkpoint()
    assert checkpoint is not None
    result = airlock.verify_audit_chain()
    assert result.ok, result.reason
    assert result.checkpoints_checked == 1
    assert result.records_checked > 10


def test_edited_record_is_found(airlock: AirlockService) -> None:
    released(airlock)
    tamper(airlock, "UPDATE audit_records SET actor = 'mallory' WHERE seq = 5")
    result = airlock.verify_audit_chain()
    assert not result.ok
    assert result.first_bad_seq == 5
    assert "record 5 was edited" in result.reason


def test_deleted_record_is_found(airlock: AirlockService) -> None:
    released(airlock)
    tamper(airlock, "DELETE FROM audit_records WHERE seq = 7")
    result = airlock.verify_audit_chain()
    assert not result.ok
    assert result.first_bad_seq == 8
    assert "record 7 deleted" in result.reason


def test_reordered_records_are_found(airlock: AirlockService) -> None:
    released(airlock)
    columns = "seq, at, actor, action, project, request_id, details, prev_hash, hash"
    tamper(
        airlock,
        # move record 3 to the end of the table: same content, new storage position
        f"CREATE TEMPORARY TABLE moved AS SELECT {columns} FROM audit_records WHERE seq = 3",
        "DELETE FROM audit_records WHERE seq = 3",
        f"INSERT INTO audit_records (id, {columns}) SELECT 100000, {columns} FROM moved",
    )
    result = airlock.verify_audit_chain()
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "out of order" in result.reason


def test_cut_off_tail_is_found_by_the_checkpoint(airlock: AirlockService) -> None:
    released(airlock)
    checkpoint = airlock.write_checkpoint()
    assert checkpoint is not None
    tamper(airlock, f"DELETE FROM audit_records WHERE seq >= {checkpoint.seq - 1}")
    result = airlock.verify_audit_chain()
    assert not result.ok
    assert f"record {checkpoint.seq} deleted" in " ".join(result.problems)


def test_forged_checkpoint_signature_is_found(airlock: AirlockService) -> None:
    released(airlock)
    airlock.write_checkpoint()
    tamper(airlock, "UPDATE audit_checkpoints SET seq = seq - 1")
    result = airlock.verify_audit_chain()
    assert not result.ok
    assert "invalid signature" in result.reason


def test_checkpoints_are_written_when_due_and_only_then(airlock: AirlockService) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    clocked = AirlockService(
        airlock.database,
        airlock.store,
        airlock.checker,
        airlock.signer,
        airlock.config,
        clock=lambda: now[0],
    )
    assert clocked.checkpoint_if_due() is None  # nothing to sign yet
    released(clocked)
    first = clocked.checkpoint_if_due()
    assert first is not None
    assert clocked.checkpoint_if_due() is None  # nothing new since
    released(clocked)
    assert clocked.checkpoint_if_due() is None  # new records, but not yet an hour
    now[0] += timedelta(hours=1)
    second = clocked.checkpoint_if_due()
    assert second is not None
    assert second.seq > first.seq
    assert clocked.verify_audit_chain().checkpoints_checked == 2


def test_migrations_match_the_table_definitions(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from orchestrator.adapters.database.tables import Base

    database = Database(database_url)
    upgrade_head(database.engine)
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    database.dispose()
    assert differences == []


def audit_records(airlock: AirlockService) -> list[AuditRecord]:
    with airlock.database.session(readonly=True) as session:
        return list(AirlockRepository(session).audit_records())


def rewrite_from(airlock: AirlockService, seq: int) -> None:
    """Edit record ``seq`` and recompute every later hash, as an attacker with the
    database (but not the signing key) would, then drop the checkpoints that betray it."""
    records = list(audit_records(airlock))
    rewritten: list[AuditRecord] = []
    previous: AuditRecord | None = None
    for record in records:
        if record.seq < seq:
            previous = record
            continue
        previous = make_record(
            previous,
            at=record.at,
            actor="mallory" if record.seq == seq else record.actor,
            action=record.action,
            project=record.project,
            request_id=record.request_id,
            details=record.details,
        )
        rewritten.append(previous)
    statements = ["DELETE FROM audit_checkpoints"]
    for r in rewritten:
        statements.append(
            f"UPDATE audit_records SET actor = '{r.actor}', prev_hash = '{r.prev_hash}', "
            f"hash = '{r.hash}' WHERE seq = {r.seq}"
        )
    tamper(airlock, *statements)


def test_a_cut_off_tail_with_its_checkpoints_is_found_by_the_external_copy(
    airlock: AirlockService,
) -> None:
    released(airlock)
    checkpoint = airlock.write_checkpoint()
    assert checkpoint is not None
    tamper(
        airlock,
        "DELETE FROM audit_checkpoints",
        f"DELETE FROM audit_records WHERE seq >= {checkpoint.seq - 3}",
    )
    result = airlock.verify_audit_chain()
    assert not result.ok
    problems = " ".join(result.problems)
    assert f"record {checkpoint.seq} deleted: it is covered by the signed checkpoint" in problems
    assert "kept outside the database but missing from it" in problems


def test_a_rewritten_chain_with_recomputed_hashes_is_found_by_the_external_copy(
    airlock: AirlockService,
) -> None:
    released(airlock)
    checkpoint = airlock.write_checkpoint()
    assert checkpoint is not None
    rewrite_from(airlock, 5)
    records = list(audit_records(airlock))
    assert verify_chain(records).ok  # the chain alone looks intact
    result = airlock.verify_audit_chain()
    assert not result.ok
    assert f"record {checkpoint.seq} differs from the signed checkpoint" in " ".join(
        result.problems
    )


def test_verification_fails_when_the_newest_checkpoint_is_too_old(
    airlock: AirlockService,
) -> None:
    now = [datetime.now(UTC)]
    clocked = AirlockService(
        airlock.database,
        airlock.store,
        airlock.checker,
        airlock.signer,
        replace(airlock.config, checkpoint_max_age=timedelta(hours=2)),
        clock=lambda: now[0],
    )
    released(clocked)
    assert clocked.verify_audit_chain().ok  # fresh records, no checkpoint needed yet
    now[0] += timedelta(hours=3)
    unpinned = clocked.verify_audit_chain()
    assert not unpinned.ok
    assert "there is no signed checkpoint although the first record is from" in unpinned.reason
    clocked.write_checkpoint()
    assert clocked.verify_audit_chain().ok
    now[0] += timedelta(hours=2, seconds=1)
    stale = clocked.verify_audit_chain()
    assert not stale.ok
    assert "the newest signed checkpoint" in stale.reason
    assert "is older than 2:00:00" in stale.reason
    assert clocked.checkpoint_if_due() is not None  # the timer's job, even on an idle chain
    assert clocked.verify_audit_chain().ok
