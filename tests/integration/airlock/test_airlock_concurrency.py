"""Concurrent callers: the audit chain stays one unbroken line, votes are counted once and
the deciding vote always re-hashes the quarantined files."""

from __future__ import annotations

import contextlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from orchestrator.adapters.storage import S3ObjectStore
from orchestrator.domain.access import Actor
from orchestrator.domain.airlock.errors import AirlockError
from orchestrator.domain.airlock.model import Decision
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock import AirlockService
from orchestrator.services.airlock.streams import quarantine_key
from tests.integration.airlock.flows import ALICE, OTTO, RAVI, RITA, ROSA, draft, in_review


def test_concurrent_writers_keep_the_audit_chain_intact(airlock: AirlockService) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda _: draft(airlock, {}).id, range(16)))
    assert len(set(created)) == 16
    result = airlock.verify_audit_chain()
    assert result.ok, result.reason
    assert result.records_checked == 16


def test_racing_final_votes_decide_exactly_once(airlock: AirlockService) -> None:
    airlock.set_required_approvals(OTTO, "genomics", 2)
    request = in_review(airlock)

    def vote(reviewer: Actor) -> str:
        try:
            airlock.review(reviewer, request.id, Decision.APPROVE)
        except AirlockError as exc:
            return type(exc).__name__
        return "voted"

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(vote, [RITA, RAVI, ROSA]))
    assert outcomes.count("voted") == 2
    detail = airlock.get_request(OTTO, request.id)
    assert detail.request.state is State.APPROVED
    assert len([v for v in detail.votes if v.version == 1]) == 2
    records = airlock.audit_trail(OTTO, request.id)
    assert [r.action for r in records].count("state_approved") == 1
    assert airlock.verify_audit_chain().ok
    assert ALICE.username not in {v.reviewer for v in detail.votes}


def test_simultaneous_last_approvals_still_rehash_a_tampered_file(
    airlock: AirlockService, store: S3ObjectStore
) -> None:
    airlock.set_required_approvals(OTTO, "genomics", 2)
    request = in_review(airlock)
    key = quarantine_key(request.files[0].sha256 or "")
    store.put_stream(airlock.config.quarantine_bucket, key, io.BytesIO(b"group,n\na,1\n"))
    # Both reviewers read the request before either vote is saved: each one's first
    # look at the clock (when it stamps its vote) waits for the other's.
    together = threading.Barrier(2, timeout=10)
    seen = threading.local()

    def clock() -> datetime:
        if not getattr(seen, "done", False):
            seen.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                together.wait()
        return datetime.now(UTC)

    racing = AirlockService(
        airlock.database, store, airlock.checker, airlock.signer, airlock.config, clock=clock
    )

    def vote(reviewer: Actor) -> str:
        try:
            racing.review(reviewer, request.id, Decision.APPROVE)
        except AirlockError as exc:
            return type(exc).__name__
        return "voted"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(vote, [RITA, RAVI]))
    assert outcomes == ["IntegrityError", "voted"]
    assert airlock.get_request(OTTO, request.id).request.state is State.IN_REVIEW
    actions = [r.action for r in airlock.audit_trail(OTTO, request.id)]
    assert actions.count("integrity_violation") == 1
    assert "state_approved" not in actions
    assert airlock.verify_audit_chain().ok
