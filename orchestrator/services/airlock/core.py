"""Plumbing shared by the airlock use cases: transactions, loading, audit records, moves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from orchestrator.adapters.database import (
    AirlockRepository,
    Database,
    DatabaseError,
    grant_runtime_rights,
    upgrade_head,
)
from orchestrator.domain.access import Action, Actor
from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.audit import make_record
from orchestrator.domain.airlock.errors import (
    IntegrityError,
    NotFound,
)
from orchestrator.domain.airlock.model import (
    Request,
    Vote,
)
from orchestrator.domain.airlock.signing import Signer
from orchestrator.domain.airlock.states import EDITABLE, State, can_move, check_move
from orchestrator.services.airlock.ports import AirlockConfig, Checker, ObjectStore
from orchestrator.services.airlock.streams import quarantine_key, verify_object
from orchestrator.services.airlock.views import RequestDetail

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class AirlockCore:
    """Shared plumbing: transactions, loading, audit records, transitions."""

    def __init__(
        self,
        database: Database,
        store: ObjectStore,
        checker: Checker,
        signer: Signer,
        config: AirlockConfig | None = None,
        clock: Callable[[], datetime] = utc_now,
        migrations: Database | None = None,
    ) -> None:
        self.database = database
        self.store = store
        self.checker = checker
        self.signer = signer
        self.config = config or AirlockConfig()
        self.clock = clock
        self.migrations = migrations
        """The schema owner's connection, when migrations run under their own role."""

    def setup(self) -> None:
        """Migrate the database to the latest schema and create the buckets (idempotent).

        With ``migrations`` (PostgreSQL), the schema owner migrates and then grants the
        service's own role only what it needs; the audit tables stay append-only for it.
        """
        if self.migrations is None:
            upgrade_head(self.database.engine)
        else:
            upgrade_head(self.migrations.engine)
            role = self.database.engine.url.username
            if role is None:
                raise DatabaseError("the airlock database URL names no role to grant rights to")
            grant_runtime_rights(self.migrations.engine, role)
            self.migrations.dispose()  # only needed at start; reconnects if called again
        self.store.ensure_bucket(self.config.quarantine_bucket)
        self.store.ensure_bucket(self.config.release_bucket)
        self.store.ensure_bucket(self.config.audit_bucket)

    @contextmanager
    def _tx(self) -> Iterator[AirlockRepository]:
        with self.database.session() as session:
            yield AirlockRepository(session)

    @contextmanager
    def _read(self) -> Iterator[AirlockRepository]:
        """A read-only transaction (on SQLite it does not wait for writers)."""
        with self.database.session(readonly=True) as session:
            yield AirlockRepository(session)

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def _load(self, repo: AirlockRepository, request_id: str, *, lock: bool = False) -> Request:
        request = repo.get_request(request_id, lock=lock)
        if request is None:
            raise NotFound(f"there is no airlock request {request_id!r}")
        return request

    def _audit(
        self,
        repo: AirlockRepository,
        actor: Actor,
        action: str,
        *,
        request: Request | None = None,
        project: str | None = None,
        **details: Any,
    ) -> None:
        repo.lock_audit_chain()
        record = make_record(
            repo.last_audit_record(),
            at=self._now().isoformat(),
            actor=actor.username,
            action=action,
            project=request.project if request is not None else project,
            request_id=None if request is None else request.id,
            details=details,
        )
        repo.append_audit_record(record)

    def process(self, request_id: str) -> Request:
        """Run every pending step of an in-progress request (the submission pipeline)."""
        raise NotImplementedError

    def _run_release(self, request: Request) -> None:
        """Finish releasing a request in state ``releasing`` (the release pipeline)."""
        raise NotImplementedError

    def _transition(
        self,
        repo: AirlockRepository,
        request: Request,
        target: State,
        actor: Actor,
        *,
        failure_reason: str | None = None,
        **details: Any,
    ) -> Request:
        check_move(request, target, actor)
        moved = replace(
            request,
            state=target,
            failed_from=request.state if target is State.FAILED else None,
            updated_at=self._now(),
        )
        repo.save_request(moved, failure_reason=failure_reason)
        self._audit(
            repo,
            actor,
            f"state_{target}",
            request=moved,
            from_state=str(request.state),
            to_state=str(target),
            version=request.version,
            **details,
        )
        log.info(
            "airlock request %s: %s -> %s by %s", request.id, request.state, target, actor.username
        )
        return moved


def actions_for(request: Request, actor: Actor, votes: list[Vote]) -> frozenset[str]:
    """Names of the service methods ``actor`` may call on ``request`` right now."""
    actions: set[str] = set()
    if rules.can_edit(request, actor):
        actions |= {"add_file", "describe_file", "remove_file"}
        if request.state is not State.DRAFT:
            actions.add("new_version")
    if request.state in EDITABLE and can_move(request, State.SUBMITTED, actor):
        actions.add("submit")
    if request.state in EDITABLE and can_move(request, State.WITHDRAWN, actor):
        actions.add("withdraw")
    if rules.can_review(request, actor, votes):
        actions.add("review")
    if rules.can_open_quarantined(request, actor):
        actions.add("open_quarantined_file")
    if can_move(request, State.RELEASING, actor):
        actions.add("release")
    if can_move(request, State.REVOKED, actor):
        actions.add("revoke")
    if request.failed_from is not None and can_move(request, request.failed_from, actor):
        actions.add("retry")
    if rules.can_download_released(request, actor):
        actions.add("download")
    return frozenset(actions)


def detail_for(
    request: Request,
    actor: Actor,
    votes: list[Vote],
    failure_reason: str | None,
    released: dict[str, str],
) -> RequestDetail:
    return RequestDetail(
        request=request,
        votes=rules.visible_votes(request, actor, votes),
        actions=actions_for(request, actor, votes),
        failure_reason=failure_reason,
        released=released,
    )


def require(actor: Actor, action: Action, project: str) -> None:
    """Raise :class:`NotPermitted` unless the permission table lets ``actor`` do ``action``."""
    rules.check_holds(actor, action, project)


def verify_quarantined(store: ObjectStore, bucket: str, request: Request) -> None:
    """Re-hash every quarantined file of the current version (raises IntegrityError)."""
    for f in request.files:
        if f.sha256 is None:
            raise IntegrityError(f"{f.name} was never frozen in quarantine")
        verify_object(store, bucket, quarantine_key(f.sha256), expected_sha256=f.sha256)
