"""Concurrent callers: the audit chain stays one unbroken line and votes are counted once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from orchestrator.domain.access import Actor
from orchestrator.domain.airlock.errors import AirlockError
from orchestrator.domain.airlock.model import Decision
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock import AirlockService
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
