"""Request and response bodies of the HTTP API, kept apart from the domain model.

``*Out`` models are built from domain values with ``from_*`` class methods; input
models validate at the edge and say what was wrong.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.domain.airlock.model import Request, RequestFile, Vote, finding_key
from orchestrator.services.airlock import AuditVerification, RequestDetail


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateRequestIn(Body):
    title: str = Field(min_length=1, max_length=200, description="Short title reviewers see.")
    purpose: str = Field(min_length=1, max_length=10_000, description="What the files are for.")
    direction: Literal["export", "import"] = "export"


class DecisionIn(Body):
    decision: Literal["approve", "request_changes", "reject"]
    comment: str = Field(default="", max_length=10_000)
    acknowledged: list[str] = Field(
        default_factory=list, description="Keys of every 'review' finding you acknowledge."
    )


class RevokeIn(Body):
    reason: str = Field(min_length=1, max_length=10_000)


class FindingOut(BaseModel):
    key: str
    rule: str
    severity: str
    message: str
    location: dict[str, Any]


class FileOut(BaseModel):
    name: str
    context: str
    controls: str
    sha256: str | None
    size: int | None
    source: str | None
    verdict: str | None
    findings: list[FindingOut]

    @classmethod
    def from_file(cls, f: RequestFile) -> FileOut:
        return cls(
            name=f.name,
            context=f.context,
            controls=f.controls,
            sha256=f.sha256,
            size=f.size,
            source=f.source,
            verdict=None if f.verdict is None else str(f.verdict),
            findings=[FindingOut(key=finding_key(f.name, x), **x.as_dict()) for x in f.findings],
        )


class VoteOut(BaseModel):
    reviewer: str
    version: int
    decision: str
    comment: str
    acknowledged: list[str]
    at: datetime | None

    @classmethod
    def from_vote(cls, v: Vote) -> VoteOut:
        return cls(
            reviewer=v.reviewer,
            version=v.version,
            decision=str(v.decision),
            comment=v.comment,
            acknowledged=sorted(v.acknowledged),
            at=v.at,
        )


class RequestSummaryOut(BaseModel):
    id: str
    project: str
    requester: str
    direction: str
    title: str
    state: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_request(cls, r: Request) -> RequestSummaryOut:
        return cls(
            id=r.id,
            project=r.project,
            requester=r.requester,
            direction=str(r.direction),
            title=r.title,
            state=str(r.state),
            version=r.version,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class RequestOut(RequestSummaryOut):
    purpose: str
    submitted_version: int
    required_approvals: int
    files: list[FileOut]
    votes: list[VoteOut] = Field(
        description="Only the votes you may see: other reviewers' votes stay hidden until all are in."
    )
    actions: list[str] = Field(description="What you may do with this request now.")
    failure_reason: str | None = None
    released: list[str] = Field(default_factory=list, description="Names of released files.")
    ruleset_id: str | None = Field(default=None, description="The rule set that checked it.")
    ruleset_version: str | None = Field(
        default=None, description="That rule set's version (published in the register)."
    )

    @classmethod
    def from_detail(cls, d: RequestDetail) -> RequestOut:
        r = d.request
        return cls(
            **RequestSummaryOut.from_request(r).model_dump(),
            purpose=r.purpose,
            submitted_version=r.submitted_version,
            required_approvals=r.required_approvals,
            files=[FileOut.from_file(f) for f in r.files],
            votes=[VoteOut.from_vote(v) for v in d.votes],
            actions=sorted(d.actions),
            failure_reason=d.failure_reason,
            released=sorted(d.released),
            ruleset_id=r.ruleset_id,
            ruleset_version=r.ruleset_version,
        )


class SigningKeyOut(BaseModel):
    key_id: str = Field(description="The key named in every signature it made.")
    algorithm: str = Field(
        description="`ed25519` (local key) or `transit-ed25519` (Vault/OpenBao)."
    )
    versions: dict[str, str] = Field(
        description="PEM public key per key version; a transit signature `vault:v<N>:<base64>` "
        "is an Ed25519 signature checked with version N."
    )


class AuditVerificationOut(BaseModel):
    ok: bool
    records: int
    checkpoints: int
    first_bad_seq: int | None
    reason: str
    problems: list[str]

    @classmethod
    def from_result(cls, v: AuditVerification) -> AuditVerificationOut:
        return cls(
            ok=v.ok,
            records=v.records_checked,
            checkpoints=v.checkpoints_checked,
            first_bad_seq=v.first_bad_seq,
            reason=v.reason,
            problems=list(v.problems),
        )


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
