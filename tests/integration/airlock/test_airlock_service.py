"""The airlock service end to end on a real database and a real S3 store."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.adapters.storage import S3ObjectStore
from orchestrator.domain.access import Actor
from orchestrator.domain.airlock.errors import (
    IntegrityError,
    InvalidInput,
    LimitReached,
    NotPermitted,
)
from orchestrator.domain.airlock.manifest import verify_signed_manifest
from orchestrator.domain.airlock.model import Decision
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock import AirlockService, OutboxRef
from orchestrator.services.airlock.streams import quarantine_key
from tests.integration.airlock.flows import (
    ALICE,
    BEN,
    OTTO,
    PRIVATE_KEY,
    RAVI,
    RITA,
    ROSA,
    SAFE_TABLE,
    SMALL_COUNT_TABLE,
    approved,
    draft,
    in_review,
    released,
)


def test_released_bytes_equal_submitted_bytes_and_manifest_is_signed(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    request = released(airlock, {"out/table.csv": SAFE_TABLE, "notes.md": b"# notes\n"})
    detail = airlock.get_request(ALICE, request.id)
    assert set(detail.released) == {"out/table.csv", "notes.md"}
    released_hash = store.measure(airlock.config.release_bucket, detail.released["out/table.csv"])
    assert released_hash.sha256 == hashlib.sha256(SAFE_TABLE).hexdigest()
    document = airlock.release_manifest(ALICE, request.id)
    assert verify_signed_manifest(document, airlock.signer)
    manifest = document["manifest"]
    assert isinstance(manifest, dict)
    assert [r["reviewer"] for r in manifest["reviewers"]] == ["ravi", "rita"]
    assert manifest["checks"]["ruleset_id"] == "airlock-basic"
    stored = store.list_keys(airlock.config.release_bucket, f"genomics/{request.id}/")
    assert sorted(stored) == [
        f"genomics/{request.id}/v1/files/notes.md",
        f"genomics/{request.id}/v1/files/out/table.csv",
        f"genomics/{request.id}/v1/release-manifest.json",
    ]
    with store.open(
        airlock.config.release_bucket, f"genomics/{request.id}/v1/release-manifest.json"
    ) as chunks:
        assert json.loads(b"".join(chunks)) == document


def test_requester_cannot_review_release_or_open_quarantined_files(
    airlock: AirlockService,
) -> None:
    request = in_review(airlock)
    with pytest.raises(NotPermitted, match="you requested this export, so you cannot review it"):
        airlock.review(ALICE, request.id, Decision.APPROVE)
    with (
        pytest.raises(NotPermitted, match="cannot download its quarantined files"),
        airlock.open_quarantined_file(ALICE, request.id, "table.csv"),
    ):
        pass
    with airlock.open_quarantined_file(RITA, request.id, "table.csv") as chunks:
        assert b"".join(chunks) == SAFE_TABLE
    request = approved(airlock)
    with pytest.raises(NotPermitted, match="you requested this export, so you cannot release it"):
        airlock.release(ALICE, request.id)


def test_votes_stay_hidden_until_every_required_vote_is_in(airlock: AirlockService) -> None:
    request = in_review(airlock)
    airlock.review(RITA, request.id, Decision.APPROVE)
    assert airlock.votes(RAVI, request.id) == ()
    assert [v.reviewer for v in airlock.votes(RITA, request.id)] == ["rita"]
    airlock.review(RAVI, request.id, Decision.APPROVE)
    assert sorted(v.reviewer for v in airlock.votes(ROSA, request.id)) == ["ravi", "rita"]


def test_block_finding_blocks_and_a_new_version_can_fix_it(airlock: AirlockService) -> None:
    request = airlock.submit(ALICE, draft(airlock, {"key.txt": PRIVATE_KEY}).id)
    assert request.state is State.BLOCKED
    assert not airlock.get_request(RITA, request.id).actions & {"review", "release"}
    airlock.remove_file(ALICE, request.id, "key.txt")
    airlock.add_file(ALICE, request.id, "table.csv", stream=io.BytesIO(SAFE_TABLE))
    request = airlock.submit(ALICE, request.id)
    assert (request.state, request.version) == (State.IN_REVIEW, 2)


def test_review_findings_must_be_acknowledged_by_each_approver(airlock: AirlockService) -> None:
    request = in_review(airlock, {"table.csv": SMALL_COUNT_TABLE})
    (key,) = request.review_finding_keys
    with pytest.raises(InvalidInput, match="not yet acknowledged"):
        airlock.review(RITA, request.id, Decision.APPROVE)
    airlock.review(RITA, request.id, Decision.APPROVE, acknowledged=frozenset({key}))
    with pytest.raises(InvalidInput, match="not yet acknowledged"):
        airlock.review(RAVI, request.id, Decision.APPROVE)
    request = airlock.review(RAVI, request.id, Decision.APPROVE, acknowledged=frozenset({key}))
    assert request.state is State.APPROVED


def test_changes_requested_then_new_version_resets_votes(airlock: AirlockService) -> None:
    request = in_review(airlock)
    with pytest.raises(InvalidInput, match="needs a comment"):
        airlock.review(RITA, request.id, Decision.REQUEST_CHANGES)
    airlock.review(RITA, request.id, Decision.REQUEST_CHANGES, comment="round to 5")
    request = airlock.review(RAVI, request.id, Decision.APPROVE)
    assert request.state is State.CHANGES_REQUESTED
    airlock.describe_file(ALICE, request.id, "table.csv", context="counts", controls="rounded to 5")
    request = airlock.submit(ALICE, request.id)
    assert (request.state, request.version) == (State.IN_REVIEW, 2)
    assert "review" in airlock.get_request(RITA, request.id).actions
    airlock.review(RITA, request.id, Decision.APPROVE)
    request = airlock.review(RAVI, request.id, Decision.APPROVE)
    assert request.state is State.APPROVED


def test_outbox_file_is_copied_into_quarantine_at_submission(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    outbox = airlock.config.outbox_bucket_pattern.format(project="genomics")
    store.ensure_bucket(outbox)
    request = draft(airlock, {})
    key = f"alice/{request.id}/table.csv"
    store.put_stream(outbox, key, io.BytesIO(SAFE_TABLE), len(SAFE_TABLE))
    airlock.add_file(ALICE, request.id, "table.csv", outbox=OutboxRef(outbox, key))
    request = airlock.submit(ALICE, request.id)
    assert request.state is State.IN_REVIEW
    digest = hashlib.sha256(SAFE_TABLE).hexdigest()
    assert request.files[0].sha256 == digest
    assert request.files[0].source == f"s3://{outbox}/{key}"
    assert store.size(airlock.config.quarantine_bucket, quarantine_key(digest)) == len(SAFE_TABLE)


def test_quarantine_tampering_stops_approval_and_release(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    request = in_review(airlock)
    key = quarantine_key(request.files[0].sha256 or "")
    store.put_stream(airlock.config.quarantine_bucket, key, io.BytesIO(b"group,n\na,1\n"))
    airlock.review(RITA, request.id, Decision.APPROVE)
    with pytest.raises(IntegrityError, match="no longer matches its recorded SHA-256"):
        airlock.review(RAVI, request.id, Decision.APPROVE)
    assert airlock.get_request(OTTO, request.id).request.state is State.IN_REVIEW
    actions = [r.action for r in airlock.audit_trail(OTTO, request.id)]
    assert "integrity_violation" in actions


def test_tampering_after_approval_fails_the_release(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    request = approved(airlock)
    key = quarantine_key(request.files[0].sha256 or "")
    store.put_stream(airlock.config.quarantine_bucket, key, io.BytesIO(b"changed"))
    request = airlock.release(RITA, request.id)
    assert request.state is State.FAILED
    detail = airlock.get_request(OTTO, request.id)
    assert "no longer matches" in (detail.failure_reason or "")
    assert store.list_keys(airlock.config.release_bucket, f"genomics/{request.id}/") == []


def download(airlock: AirlockService, actor: Actor, request_id: str, name: str) -> bytes:
    return b"".join(airlock.download_released_file(actor, request_id, name).chunks)


def test_only_completed_downloads_count_each_person_against_the_limit(
    airlock: AirlockService,
) -> None:
    request = released(airlock)
    limit = airlock.config.max_downloads_per_file
    assert limit == 5
    for _ in range(limit):
        assert download(airlock, BEN, request.id, "table.csv") == SAFE_TABLE
    with pytest.raises(LimitReached, match=r"you have downloaded table\.csv 5 times"):
        airlock.download_released_file(BEN, request.id, "table.csv")
    # an abandoned download is not counted; someone else has their own count
    started = airlock.download_released_file(ALICE, request.id, "table.csv")
    started.chunks.close()
    assert download(airlock, ALICE, request.id, "table.csv") == SAFE_TABLE
    downloaded = [r for r in airlock.audit_trail(OTTO, request.id) if r.action == "file_downloaded"]
    assert [(r.actor, r.details["downloads_left"]) for r in downloaded] == [
        ("ben", 4),
        ("ben", 3),
        ("ben", 2),
        ("ben", 1),
        ("ben", 0),
        ("alice", 4),
    ]
    with pytest.raises(NotPermitted):
        airlock.download_released_file(RITA, request.id, "table.csv")


def test_a_download_whose_bytes_changed_stops_before_the_end_and_is_not_counted(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    request = released(airlock)
    key = airlock.get_request(OTTO, request.id).released["table.csv"]
    store.put_stream(airlock.config.release_bucket, key, io.BytesIO(b"group,n\na,1\n"))
    received: list[bytes] = []
    with pytest.raises(IntegrityError, match="no longer matches its reviewed SHA-256"):
        received.extend(airlock.download_released_file(ALICE, request.id, "table.csv").chunks)
    assert received == []  # the only chunk was held back
    actions = [r.action for r in airlock.audit_trail(OTTO, request.id)]
    assert actions.count("integrity_violation") == 1
    assert "file_downloaded" not in actions


def test_a_file_named_like_the_manifest_is_released_as_reviewed(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    reviewed = b"# my own notes, reviewed\n"
    request = released(airlock, {"table.csv": SAFE_TABLE, "release-manifest.json": reviewed})
    assert download(airlock, ALICE, request.id, "release-manifest.json") == reviewed
    manifest = airlock.release_manifest(ALICE, request.id)
    key = f"genomics/{request.id}/v1/release-manifest.json"
    with store.open(airlock.config.release_bucket, key) as chunks:
        assert json.loads(b"".join(chunks)) == manifest


def test_revoked_release_removes_files_and_stops_downloads(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    request = released(airlock)
    with pytest.raises(InvalidInput, match="say why"):
        airlock.revoke(OTTO, request.id, "")
    request = airlock.revoke(OTTO, request.id, "contains a small cell after all")
    assert request.state is State.REVOKED
    with pytest.raises(NotPermitted):
        airlock.download_released_file(ALICE, request.id, "table.csv")
    remaining = store.list_keys(airlock.config.release_bucket, f"genomics/{request.id}/")
    assert remaining == [f"genomics/{request.id}/v1/release-manifest.json"]


def test_withdrawn_draft_is_final(airlock: AirlockService) -> None:
    request = draft(airlock)
    with pytest.raises(NotPermitted, match="only the requester"):
        airlock.withdraw(BEN, request.id)
    request = airlock.withdraw(ALICE, request.id, "wrong file")
    assert request.state is State.WITHDRAWN
    with pytest.raises(NotPermitted):
        airlock.add_file(ALICE, request.id, "x.csv", stream=io.BytesIO(b"a"))


def test_project_policy_sets_required_approvals_and_is_audited(airlock: AirlockService) -> None:
    with pytest.raises(
        NotPermitted, match="only someone holding the operator role can change how many approvals"
    ):
        airlock.set_required_approvals(RITA, "genomics", 1)
    airlock.set_required_approvals(OTTO, "genomics", 3)
    request = in_review(airlock)
    assert request.required_approvals == 3
    airlock.review(RITA, request.id, Decision.APPROVE)
    airlock.review(RAVI, request.id, Decision.APPROVE)
    request = airlock.review(ROSA, request.id, Decision.APPROVE)
    assert request.state is State.APPROVED
    with airlock.database.session() as session:
        from orchestrator.adapters.database import AirlockRepository

        actions = [r.action for r in AirlockRepository(session).audit_records()]
    assert "configuration_changed" in actions


def test_list_requests_shows_only_the_actors_projects(airlock: AirlockService) -> None:
    request = draft(airlock)
    assert [r.id for r in airlock.list_requests(BEN)] == [request.id]
    from orchestrator.domain.access import Actor, Role

    stranger = Actor("sam", {"other": frozenset({Role.RESEARCHER})})
    assert airlock.list_requests(stranger) == []
    with pytest.raises(NotPermitted):
        airlock.get_request(stranger, request.id)


def test_files_come_from_exactly_one_source_and_within_the_size_limit(
    airlock: AirlockService, store: S3ObjectStore, tmp_path: Path
) -> None:
    request = draft(airlock, {})
    local = tmp_path / "table.csv"
    local.write_bytes(SAFE_TABLE)
    added = airlock.add_file(ALICE, request.id, "table.csv", local_path=local)
    assert added.sha256 == hashlib.sha256(SAFE_TABLE).hexdigest()
    with pytest.raises(InvalidInput, match="exactly one of"):
        airlock.add_file(
            ALICE, request.id, "x.csv", local_path=local, stream=io.BytesIO(SAFE_TABLE)
        )
    with pytest.raises(InvalidInput, match="is not allowed"):
        airlock.add_file(ALICE, request.id, "../etc/passwd", stream=io.BytesIO(b"x"))
    small = AirlockService(
        airlock.database,
        airlock.store,
        airlock.checker,
        airlock.signer,
        replace(airlock.config, max_file_size=16),
    )
    with pytest.raises(InvalidInput, match="larger than 16 bytes"):
        small.add_file(ALICE, request.id, "big.csv", stream=io.BytesIO(SAFE_TABLE))
    with pytest.raises(InvalidInput, match="the airlock accepts at most 16"):
        small.add_file(ALICE, request.id, "big.csv", local_path=local)
    assert [f.name for f in airlock.get_request(ALICE, request.id).request.files] == ["table.csv"]
    assert store.list_keys(airlock.config.quarantine_bucket, "tmp/") == []


def test_files_come_only_from_the_projects_own_outbox(airlock: AirlockService) -> None:
    request = draft(airlock, {})
    for bucket in (
        airlock.config.release_bucket,
        airlock.config.quarantine_bucket,
        "tre-other-outbox",
    ):
        with pytest.raises(NotPermitted, match="can only come from its outbox bucket"):
            airlock.add_file(ALICE, request.id, "t.csv", outbox=OutboxRef(bucket, "t.csv"))
    outbox = airlock.config.outbox_bucket_pattern.format(project="genomics")
    with pytest.raises(InvalidInput, match="not a valid key"):
        airlock.add_file(ALICE, request.id, "t.csv", outbox=OutboxRef(outbox, "../t.csv"))


def test_oversized_outbox_file_fails_the_submission_with_the_reason(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    small = AirlockService(
        airlock.database,
        airlock.store,
        airlock.checker,
        airlock.signer,
        replace(airlock.config, max_file_size=16),
    )
    outbox = airlock.config.outbox_bucket_pattern.format(project="genomics")
    store.ensure_bucket(outbox)
    request = draft(small, {})
    key = f"alice/{request.id}/big.csv"
    store.put_stream(outbox, key, io.BytesIO(SAFE_TABLE), len(SAFE_TABLE))
    small.add_file(ALICE, request.id, "big.csv", outbox=OutboxRef(outbox, key))
    request = small.submit(ALICE, request.id)
    assert request.state is State.FAILED
    detail = small.get_request(OTTO, request.id)
    assert "larger than 16 bytes" in (detail.failure_reason or "")
    assert "retry" in detail.actions


def test_requests_are_counted_by_state_in_the_database(airlock: AirlockService) -> None:
    assert airlock.count_by_state() == {}
    draft(airlock)
    draft(airlock)
    in_review(airlock)
    released(airlock)
    assert airlock.count_by_state() == {"draft": 2, "in_review": 1, "released": 1}
