"""Builders of airlock domain values for unit tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from orchestrator.checks.model import Finding, Location, Severity, Verdict
from orchestrator.domain.access import Actor, Role
from orchestrator.domain.airlock.model import Direction, Request, RequestFile
from orchestrator.domain.airlock.states import State

PROJECT = "genomics"

ALICE = Actor("alice", {PROJECT: frozenset({Role.RESEARCHER})})
BEN = Actor("ben", {PROJECT: frozenset({Role.RESEARCHER})})
RITA = Actor("rita", {PROJECT: frozenset({Role.REVIEWER})})
RAVI = Actor("ravi", {PROJECT: frozenset({Role.REVIEWER})})
ROSA = Actor("rosa", {PROJECT: frozenset({Role.REVIEWER})})
OTTO = Actor("otto", operator=True)
OUTSIDER = Actor("olga", {"other": frozenset({Role.REVIEWER})})
ALICE_ALSO_REVIEWER = Actor("alice", {PROJECT: frozenset({Role.RESEARCHER, Role.REVIEWER})})

REVIEW_FINDING = Finding(
    "small-count", Severity.REVIEW, "count below 10", Location(row=3, column="n")
)
BLOCK_FINDING = Finding("private-key", Severity.BLOCK, "private key", Location(line=1))


def make_request(state: State = State.DRAFT, **changes: Any) -> Request:
    base = Request(
        id="r1",
        project=PROJECT,
        requester="alice",
        direction=Direction.EXPORT,
        title="Table 2",
        purpose="paper",
        state=state,
        version=1,
        submitted_version=0 if state is State.DRAFT else 1,
        files=(RequestFile(name="table.csv", sha256="a" * 64, size=10, verdict=Verdict.PASS),),
    )
    return replace(base, **changes)


def with_findings(request: Request, *findings: Finding) -> Request:
    severities = {f.severity for f in findings}
    verdict = (
        Verdict.BLOCK
        if Severity.BLOCK in severities
        else Verdict.REVIEW
        if severities
        else Verdict.PASS
    )
    files = (replace(request.files[0], findings=tuple(findings), verdict=verdict),)
    return replace(request, files=files)
