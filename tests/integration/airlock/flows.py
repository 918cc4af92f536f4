"""Drive the real airlock service to a given state (test factories, no shortcuts)."""

from __future__ import annotations

import io

from orchestrator.domain.access import Actor, Role
from orchestrator.domain.airlock.model import Decision, Request
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock import AirlockService

PROJECT = "genomics"
ALICE = Actor("alice", {PROJECT: frozenset({Role.RESEARCHER})})
BEN = Actor("ben", {PROJECT: frozenset({Role.RESEARCHER})})
RITA = Actor("rita", {PROJECT: frozenset({Role.REVIEWER})})
RAVI = Actor("ravi", {PROJECT: frozenset({Role.REVIEWER})})
ROSA = Actor("rosa", {PROJECT: frozenset({Role.REVIEWER})})
OTTO = Actor("otto", operator=True)

SAFE_TABLE = b"group,n\na,120\nb,340\n"
SMALL_COUNT_TABLE = b"group,n\na,120\nb,4\n"
PRIVATE_KEY = b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def draft(
    airlock: AirlockService, files: dict[str, bytes] | None = None, actor: Actor = ALICE
) -> Request:
    request = airlock.create_draft(
        actor, project=PROJECT, title="Table 2", purpose="cohort paper, figure 2"
    )
    for name, data in ({"table.csv": SAFE_TABLE} if files is None else files).items():
        airlock.add_file(
            actor,
            request.id,
            name,
            stream=io.BytesIO(data),
            length=len(data),
            context="counts per group",
            controls="counts of at least 10",
        )
    return request


def in_review(airlock: AirlockService, files: dict[str, bytes] | None = None) -> Request:
    request = airlock.submit(ALICE, draft(airlock, files).id)
    assert request.state is State.IN_REVIEW, request.state
    return request


def approved(airlock: AirlockService, files: dict[str, bytes] | None = None) -> Request:
    request = in_review(airlock, files)
    keys = request.review_finding_keys
    airlock.review(RITA, request.id, Decision.APPROVE, acknowledged=keys)
    request = airlock.review(RAVI, request.id, Decision.APPROVE, acknowledged=keys)
    assert request.state is State.APPROVED
    return request


def released(airlock: AirlockService, files: dict[str, bytes] | None = None) -> Request:
    request = airlock.release(RITA, approved(airlock, files).id)
    assert request.state is State.RELEASED
    return request
