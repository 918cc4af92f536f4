"""Loading and saving airlock requests, votes, releases and audit records.

One :class:`AirlockRepository` wraps one open session (one transaction). It converts
between rows and the domain's immutable values; it holds no rules. The audit tables
are only ever inserted into and read: there is no update or delete path for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from orchestrator.adapters.database.tables import (
    AuditRow,
    CheckpointRow,
    DownloadRow,
    FileRow,
    ManifestRow,
    ProjectPolicyRow,
    ReleasedFileRow,
    RequestRow,
    VersionRow,
    VoteRow,
)
from orchestrator.checks.model import Finding, Location, Severity, Verdict
from orchestrator.domain.airlock.audit import AuditRecord, Checkpoint
from orchestrator.domain.airlock.canonical import canonical_json
from orchestrator.domain.airlock.model import Decision, Direction, Request, RequestFile, Vote
from orchestrator.domain.airlock.signing import Signature
from orchestrator.domain.airlock.states import State

AUDIT_LOCK_KEY = 0x7A1D17  # pg_advisory_xact_lock key serialising audit appends


def findings_to_json(findings: Sequence[Finding]) -> str:
    return canonical_json([f.as_dict() for f in findings]).decode()


def findings_from_json(raw: str) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            rule=item["rule"],
            severity=Severity(item["severity"]),
            message=item["message"],
            location=Location(**item.get("location", {})),
        )
        for item in json.loads(raw)
    )


def _file_from_row(row: FileRow) -> RequestFile:
    return RequestFile(
        name=row.name,
        context=row.context,
        controls=row.controls,
        sha256=row.sha256,
        size=row.size,
        source=row.source,
        verdict=None if row.verdict is None else Verdict(row.verdict),
        findings=findings_from_json(row.findings),
    )


class AirlockRepository:
    """Rows in and out for one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # requests ---------------------------------------------------------------

    def add_request(self, request: Request) -> None:
        assert request.created_at is not None
        assert request.updated_at is not None
        self.session.add(
            RequestRow(
                id=request.id,
                project=request.project,
                requester=request.requester,
                direction=str(request.direction),
                title=request.title,
                purpose=request.purpose,
                state=str(request.state),
                version=request.version,
                submitted_version=request.submitted_version,
                required_approvals=request.required_approvals,
                failed_from=None,
                failure_reason=None,
                created_at=request.created_at,
                updated_at=request.updated_at,
            )
        )
        self.session.add(VersionRow(request_id=request.id, version=request.version))
        self.session.flush()

    def _request_row(self, request_id: str, lock: bool) -> RequestRow | None:
        query = select(RequestRow).where(RequestRow.id == request_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def get_request(self, request_id: str, *, lock: bool = False) -> Request | None:
        """The request with its current version's files; ``lock`` holds it until commit."""
        row = self._request_row(request_id, lock)
        return None if row is None else self._to_request(row)

    def _to_request(self, row: RequestRow) -> Request:
        files = self.session.scalars(
            select(FileRow)
            .where(FileRow.request_id == row.id, FileRow.version == row.version)
            .order_by(FileRow.name)
        ).all()
        version = self.session.get(VersionRow, (row.id, row.version))
        return _request_from_rows(row, files, version)

    def _to_requests(self, rows: Sequence[RequestRow]) -> list[Request]:
        """Many requests in three queries (not three per request)."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        current = {(row.id, row.version) for row in rows}
        files: dict[str, list[FileRow]] = {row.id: [] for row in rows}
        for f in self.session.scalars(
            select(FileRow).where(FileRow.request_id.in_(ids)).order_by(FileRow.name)
        ):
            if (f.request_id, f.version) in current:
                files[f.request_id].append(f)
        versions = {
            (v.request_id, v.version): v
            for v in self.session.scalars(select(VersionRow).where(VersionRow.request_id.in_(ids)))
        }
        return [
            _request_from_rows(row, files[row.id], versions.get((row.id, row.version)))
            for row in rows
        ]

    def failure_reason(self, request_id: str) -> str | None:
        row = self._request_row(request_id, lock=False)
        return None if row is None else row.failure_reason

    def list_requests(
        self,
        *,
        projects: Sequence[str] | None = None,
        states: Sequence[State] | None = None,
        requester: str | None = None,
        limit: int = 500,
    ) -> list[Request]:
        query = select(RequestRow).order_by(RequestRow.created_at.desc(), RequestRow.id)
        if projects is not None:
            query = query.where(RequestRow.project.in_(list(projects)))
        if states is not None:
            query = query.where(RequestRow.state.in_([str(s) for s in states]))
        if requester is not None:
            query = query.where(RequestRow.requester == requester)
        rows = self.session.scalars(query.limit(limit)).all()
        return self._to_requests(rows)

    def count_by_state(self) -> dict[str, int]:
        """How many requests are in each state, counted by the database (one query)."""
        rows = self.session.execute(
            select(RequestRow.state, func.count()).group_by(RequestRow.state)
        ).all()
        return {str(state): int(count) for state, count in rows}

    def save_request(self, request: Request, *, failure_reason: str | None = None) -> None:
        """Store the request's fields and replace its current version's file list."""
        row = self._request_row(request.id, lock=False)
        if row is None:
            raise LookupError(request.id)
        assert request.updated_at is not None
        row.state = str(request.state)
        row.version = request.version
        row.submitted_version = request.submitted_version
        row.required_approvals = request.required_approvals
        row.failed_from = None if request.failed_from is None else str(request.failed_from)
        row.failure_reason = failure_reason
        row.updated_at = request.updated_at
        if self.session.get(VersionRow, (request.id, request.version)) is None:
            self.session.add(VersionRow(request_id=request.id, version=request.version))
        self.session.execute(
            delete(FileRow).where(
                FileRow.request_id == request.id, FileRow.version == request.version
            )
        )
        self.session.flush()
        for f in request.files:
            self.session.add(
                FileRow(
                    request_id=request.id,
                    version=request.version,
                    name=f.name,
                    context=f.context,
                    controls=f.controls,
                    source=f.source,
                    sha256=f.sha256,
                    size=f.size,
                    verdict=None if f.verdict is None else str(f.verdict),
                    findings=findings_to_json(f.findings),
                )
            )
        self.session.flush()

    def mark_version(self, request_id: str, version: int, **fields: Any) -> None:
        """Set ``submitted_at``, ``checked_at``, ``ruleset_id`` or ``ruleset_version``."""
        row = self.session.get(VersionRow, (request_id, version))
        if row is None:
            row = VersionRow(request_id=request_id, version=version)
            self.session.add(row)
        for key, value in fields.items():
            setattr(row, key, value)
        self.session.flush()

    def version_times(
        self, request_id: str, version: int
    ) -> tuple[datetime | None, datetime | None]:
        row = self.session.get(VersionRow, (request_id, version))
        return (None, None) if row is None else (row.submitted_at, row.checked_at)

    # votes -------------------------------------------------------------------

    def add_vote(self, request_id: str, vote: Vote) -> None:
        assert vote.at is not None
        self.session.add(
            VoteRow(
                request_id=request_id,
                version=vote.version,
                reviewer=vote.reviewer,
                decision=str(vote.decision),
                comment=vote.comment,
                acknowledged=canonical_json(sorted(vote.acknowledged)).decode(),
                at=vote.at,
            )
        )
        self.session.flush()

    def votes(self, request_id: str) -> list[Vote]:
        rows = self.session.scalars(
            select(VoteRow).where(VoteRow.request_id == request_id).order_by(VoteRow.id)
        ).all()
        return [
            Vote(
                reviewer=r.reviewer,
                version=r.version,
                decision=Decision(r.decision),
                comment=r.comment,
                acknowledged=frozenset(json.loads(r.acknowledged)),
                at=r.at,
            )
            for r in rows
        ]

    # releases ----------------------------------------------------------------

    def released_files(self, request_id: str, version: int) -> dict[str, tuple[str, str]]:
        """``{name: (sha256, object_key)}`` of files already copied to the release bucket."""
        rows = self.session.scalars(
            select(ReleasedFileRow).where(
                ReleasedFileRow.request_id == request_id, ReleasedFileRow.version == version
            )
        ).all()
        return {r.name: (r.sha256, r.object_key) for r in rows}

    def add_released_file(
        self, request_id: str, version: int, name: str, sha256: str, key: str, at: datetime
    ) -> None:
        if self.session.get(ReleasedFileRow, (request_id, version, name)) is not None:
            return
        self.session.add(
            ReleasedFileRow(
                request_id=request_id,
                version=version,
                name=name,
                sha256=sha256,
                object_key=key,
                released_at=at,
            )
        )
        self.session.flush()

    def manifest(self, request_id: str, version: int) -> tuple[dict[str, Any], str] | None:
        row = self.session.get(ManifestRow, (request_id, version))
        return None if row is None else (json.loads(row.document), row.object_key)

    def add_manifest(
        self, request_id: str, version: int, document: dict[str, Any], key: str, at: datetime
    ) -> None:
        self.session.add(
            ManifestRow(
                request_id=request_id,
                version=version,
                document=canonical_json(document).decode(),
                object_key=key,
                created_at=at,
            )
        )
        self.session.flush()

    # downloads ---------------------------------------------------------------

    def download_count(self, request_id: str, name: str, actor: str) -> int:
        """How many times ``actor`` has completed a download of the released file ``name``."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(DownloadRow)
                .where(
                    DownloadRow.request_id == request_id,
                    DownloadRow.name == name,
                    DownloadRow.actor == actor,
                )
            )
            or 0
        )

    def add_download(self, request_id: str, name: str, actor: str, completed_at: datetime) -> None:
        self.session.add(
            DownloadRow(request_id=request_id, name=name, actor=actor, completed_at=completed_at)
        )
        self.session.flush()

    # project policy ----------------------------------------------------------

    def required_approvals(self, project: str) -> int | None:
        row = self.session.get(ProjectPolicyRow, project)
        return None if row is None else row.required_approvals

    def set_required_approvals(self, project: str, count: int, actor: str, at: datetime) -> None:
        row = self.session.get(ProjectPolicyRow, project)
        if row is None:
            self.session.add(
                ProjectPolicyRow(
                    project=project, required_approvals=count, updated_by=actor, updated_at=at
                )
            )
        else:
            row.required_approvals = count
            row.updated_by = actor
            row.updated_at = at
        self.session.flush()

    # audit (append-only) -------------------------------------------------------

    def lock_audit_chain(self) -> None:
        """Serialise appends: PostgreSQL takes an advisory lock; SQLite already holds the write lock."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY}
            )

    def last_audit_record(self) -> AuditRecord | None:
        row = self.session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
        return None if row is None else _audit_from_row(row)

    def append_audit_record(self, record: AuditRecord) -> None:
        self.session.add(
            AuditRow(
                seq=record.seq,
                at=record.at,
                actor=record.actor,
                action=record.action,
                project=record.project,
                request_id=record.request_id,
                details=canonical_json(dict(record.details)).decode(),
                prev_hash=record.prev_hash,
                hash=record.hash,
            )
        )
        self.session.flush()

    def audit_records(
        self, *, request_id: str | None = None, batch: int = 1000
    ) -> Iterator[AuditRecord]:
        """Every record in storage order (by insertion id), streamed in batches."""
        last_id = 0
        while True:
            query = select(AuditRow).where(AuditRow.id > last_id)
            if request_id is not None:
                query = query.where(AuditRow.request_id == request_id)
            rows = self.session.scalars(query.order_by(AuditRow.id).limit(batch)).all()
            if not rows:
                return
            for row in rows:
                yield _audit_from_row(row)
            last_id = rows[-1].id

    def add_checkpoint(self, checkpoint: Checkpoint, signature: Signature) -> None:
        self.session.add(
            CheckpointRow(
                seq=checkpoint.seq,
                hash=checkpoint.hash,
                at=checkpoint.at,
                signature=canonical_json(signature.as_dict()).decode(),
            )
        )
        self.session.flush()

    def checkpoints(self) -> list[tuple[Checkpoint, Signature]]:
        rows = self.session.scalars(select(CheckpointRow).order_by(CheckpointRow.id)).all()
        return [
            (
                Checkpoint(seq=r.seq, hash=r.hash, at=r.at),
                Signature.from_dict(json.loads(r.signature)),
            )
            for r in rows
        ]


def _request_from_rows(
    row: RequestRow, files: Sequence[FileRow], version: VersionRow | None
) -> Request:
    return Request(
        id=row.id,
        project=row.project,
        requester=row.requester,
        direction=Direction(row.direction),
        title=row.title,
        purpose=row.purpose,
        state=State(row.state),
        version=row.version,
        submitted_version=row.submitted_version,
        required_approvals=row.required_approvals,
        files=tuple(_file_from_row(f) for f in files),
        failed_from=None if row.failed_from is None else State(row.failed_from),
        ruleset_id=None if version is None else version.ruleset_id,
        ruleset_version=None if version is None else version.ruleset_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _audit_from_row(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        project=row.project,
        request_id=row.request_id,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
