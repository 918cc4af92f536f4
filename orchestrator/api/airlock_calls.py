"""The API's view of the airlock service: async, announced, measured.

The airlock service is synchronous and thread-safe. Each method here runs one service
call in a worker thread, then tells people about any state change (notifications)
and records metrics. Long work (freezing and checking a submission, copying a
release) runs in background tasks after the HTTP answer; if the process dies, the
service's recovery resumes it at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import BinaryIO, ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from orchestrator.api.metrics import AirlockMetrics
from orchestrator.checks.model import Verdict
from orchestrator.domain.access import SYSTEM, Actor
from orchestrator.domain.airlock.audit import AuditRecord
from orchestrator.domain.airlock.model import Decision, Direction, Request
from orchestrator.domain.airlock.signing import PublicKey
from orchestrator.domain.airlock.states import State
from orchestrator.domain.notices import Change
from orchestrator.services.airlock import (
    AirlockService,
    AuditVerification,
    RecoveryReport,
    ReleasedDownload,
    RequestDetail,
)
from orchestrator.services.notifying import Announcer

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

CONFIGURATION = Actor(username="configuration", operator=True)
"""Who changes project policy when it comes from the service's configuration."""
DECISIONS = {
    State.APPROVED: "approved",
    State.REJECTED: "rejected",
    State.CHANGES_REQUESTED: "changes_requested",
}


class AirlockCalls:
    """One async method per use case; routes call exactly one of these."""

    def __init__(
        self,
        service: AirlockService,
        announcer: Announcer,
        metrics: AirlockMetrics,
        threads: int = 32,
    ) -> None:
        self.service = service
        self._announcer = announcer
        self._metrics = metrics
        self._limiter = CapacityLimiter(threads)
        self._background: set[asyncio.Task[None]] = set()
        self._checkpoints: asyncio.Task[None] | None = None

    async def _run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=self._limiter)

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, required_approvals: Mapping[str, int] | None = None) -> RecoveryReport:
        """Migrate, create buckets, apply per-project approval counts, finish interrupted work."""
        await self._run(self.service.setup)
        for project, count in (required_approvals or {}).items():
            if await self._run(self.service.required_approvals, project) != count:
                await self._run(self.service.set_required_approvals, CONFIGURATION, project, count)
        report = await self._run(self.service.recover)
        if report.resumed or report.failed or report.temporary_objects_removed:
            log.info(
                "recovery: resumed %s, failed %s, removed %d temporary objects",
                list(report.resumed),
                list(report.failed),
                report.temporary_objects_removed,
            )
        return report

    async def drain(self) -> None:
        """Wait for background work to finish (on shutdown and in tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def start_checkpoints(self) -> None:
        """Sign a checkpoint of the audit chain whenever one is due, until :meth:`stop`."""
        interval = self.service.config.checkpoint_interval.total_seconds()

        async def loop() -> None:
            while True:
                try:
                    await self._run(self.service.checkpoint_if_due)
                except Exception:  # a fault now is retried at the next tick
                    log.exception("writing an audit checkpoint failed")
                await asyncio.sleep(min(interval, 60.0))

        self._checkpoints = asyncio.create_task(loop(), name="audit-checkpoints")

    async def stop(self) -> None:
        """Finish background work, stop the checkpoint timer and sign a last checkpoint."""
        await self.drain()
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            self._checkpoints = None
        try:
            await self._run(self.service.write_checkpoint)
        except Exception:
            log.exception("writing the shutdown audit checkpoint failed")

    def _spawn(self, work: Callable[[], object], before: Request, what: str) -> None:
        async def run() -> None:
            started = time.monotonic()
            try:
                after = await self._run(work)
            except Exception:
                log.exception("request %s: %s failed in the background", before.id, what)
                return
            if not isinstance(after, Request):
                return
            self._observe(before, after, time.monotonic() - started)
            await self._announce(before, after, "system")

        task = asyncio.create_task(run(), name=f"{what}-{before.id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _observe(self, before: Request, after: Request, seconds: float) -> None:
        if before.state is State.SUBMITTED:
            self._metrics.check_duration.observe(seconds)
            blocked = sum(1 for f in after.files if f.verdict is Verdict.BLOCK)
            if blocked:
                self._metrics.blocked_files.inc(blocked)
        if after.state is State.RELEASED and before.state is not State.RELEASED:
            self._metrics.releases.inc()

    async def _announce(
        self, before: Request, after: Request, actor: str, comment: str = ""
    ) -> None:
        if before.state is after.state:
            return
        change = Change(
            request_id=after.id,
            project=after.project,
            title=after.title,
            requester=after.requester,
            old_state=str(before.state),
            new_state=str(after.state),
            actor=actor,
            at=datetime.now(UTC).isoformat(),
            comment=comment or None,
        )
        try:
            await self._announcer.announce(change)
        except Exception:  # notifications never break the request
            log.exception("request %s: announcing the change failed", after.id)

    async def readiness(self) -> dict[str, str]:
        """``ok`` or the reason, for the database and the object store."""

        def database() -> None:
            with self.service.database.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")

        def storage() -> None:
            self.service.store.list_keys(self.service.config.quarantine_bucket, "ready/")

        checks: dict[str, str] = {}
        for name, probe in (("database", database), ("storage", storage)):
            try:
                await self._run(probe)
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"unavailable: {exc}"
        return checks

    # --- reading ----------------------------------------------------------------------

    async def project_of(self, request_id: str) -> str:
        detail = await self._run(self.service.get_request, SYSTEM, request_id)
        return detail.request.project

    async def get(self, actor: Actor, request_id: str) -> RequestDetail:
        return await self._run(self.service.get_request, actor, request_id)

    async def list_requests(
        self, actor: Actor, project: str | None, state: State | None
    ) -> list[Request]:
        return await self._run(
            self.service.list_requests,
            actor,
            project=project,
            states=None if state is None else [state],
        )

    async def history(self, actor: Actor, request_id: str) -> list[AuditRecord]:
        """The request's audit records (its project's reviewers and operators)."""
        return await self._run(self.service.audit_trail, actor, request_id)

    async def read_quarantined(
        self, actor: Actor, request_id: str, name: str, limit: int
    ) -> bytes | None:
        """A quarantined file's bytes for a reviewer (audited as a view); ``None`` past ``limit``."""

        def read() -> bytes | None:
            data = bytearray()
            with self.service.open_quarantined_file(actor, request_id, name) as chunks:
                for chunk in chunks:
                    data += chunk
                    if len(data) > limit:
                        return None
            return bytes(data)

        return await self._run(read)

    async def count_by_state(self) -> dict[str, int]:
        return await self._run(self.service.count_by_state)

    # --- the requester ----------------------------------------------------------------

    async def create(
        self, actor: Actor, project: str, title: str, purpose: str, direction: str
    ) -> RequestDetail:
        created = await self._run(
            partial(
                self.service.create_draft,
                actor,
                project=project,
                title=title,
                purpose=purpose,
                direction=Direction(direction),
            )
        )
        return await self._run(self.service.get_request, actor, created.id)

    async def add_file(
        self,
        actor: Actor,
        request_id: str,
        name: str,
        stream: BinaryIO,
        length: int,
        context: str,
        controls: str,
    ) -> RequestDetail:
        await self._run(
            partial(
                self.service.add_file,
                actor,
                request_id,
                name,
                stream=stream,
                length=length,
                context=context,
                controls=controls,
            )
        )
        return await self._run(self.service.get_request, actor, request_id)

    async def submit(self, actor: Actor, request_id: str) -> RequestDetail:
        before = (await self._run(self.service.get_request, actor, request_id)).request
        submitted = await self._run(partial(self.service.submit, actor, request_id, process=False))
        await self._announce(before, submitted, actor.username)
        self._spawn(partial(self.service.process, request_id), submitted, "checking")
        return await self._run(self.service.get_request, actor, request_id)

    async def new_version(self, actor: Actor, request_id: str) -> RequestDetail:
        await self._run(self.service.new_version, actor, request_id)
        return await self._run(self.service.get_request, actor, request_id)

    async def withdraw(self, actor: Actor, request_id: str) -> RequestDetail:
        before = (await self._run(self.service.get_request, actor, request_id)).request
        after = await self._run(self.service.withdraw, actor, request_id)
        await self._announce(before, after, actor.username)
        return await self._run(self.service.get_request, actor, request_id)

    async def manifest(self, actor: Actor, request_id: str) -> dict[str, object]:
        return await self._run(self.service.release_manifest, actor, request_id)

    async def download(self, actor: Actor, request_id: str, name: str) -> ReleasedDownload:
        """Start a download: permission and limit are checked now, the bytes flow later.

        The chunks are read in worker threads (the response iterates them there); the
        download is counted in the metrics once its last chunk has passed the checks.
        """
        started = await self._run(self.service.download_released_file, actor, request_id, name)

        def counted() -> Iterator[bytes]:
            yield from started.chunks
            self._metrics.downloads.inc()

        return replace(started, chunks=counted())

    # --- reviewers and operators ------------------------------------------------------

    async def decide(
        self,
        actor: Actor,
        request_id: str,
        decision: str,
        comment: str,
        acknowledged: list[str],
    ) -> RequestDetail:
        before = (await self._run(self.service.get_request, actor, request_id)).request
        after = await self._run(
            partial(
                self.service.review,
                actor,
                request_id,
                Decision(decision),
                comment=comment,
                acknowledged=frozenset(acknowledged),
            )
        )
        if after.state in DECISIONS and before.state is not after.state:
            since = before.updated_at or after.created_at
            if since is not None:
                waited = (datetime.now(UTC) - since.astimezone(UTC)).total_seconds()
                self._metrics.time_to_decision.labels(decision=DECISIONS[after.state]).observe(
                    max(waited, 0.0)
                )
        await self._announce(before, after, actor.username, comment)
        return await self._run(self.service.get_request, actor, request_id)

    async def release(self, actor: Actor, request_id: str) -> RequestDetail:
        before = (await self._run(self.service.get_request, actor, request_id)).request
        moved = await self._run(partial(self.service.release, actor, request_id, process=False))
        await self._announce(before, moved, actor.username)
        self._spawn(partial(self.service.process, request_id), moved, "releasing")
        return await self._run(self.service.get_request, actor, request_id)

    async def revoke(self, actor: Actor, request_id: str, reason: str) -> RequestDetail:
        before = (await self._run(self.service.get_request, actor, request_id)).request
        after = await self._run(self.service.revoke, actor, request_id, reason)
        await self._announce(before, after, actor.username, reason)
        return await self._run(self.service.get_request, actor, request_id)

    async def retry(self, actor: Actor, request_id: str) -> RequestDetail:
        before = (await self._run(self.service.get_request, actor, request_id)).request
        resumed = await self._run(partial(self.service.retry, actor, request_id, process=False))
        await self._announce(before, resumed, actor.username)
        self._spawn(partial(self.service.process, request_id), resumed, "retry")
        return await self._run(self.service.get_request, actor, request_id)

    async def signing_key(self) -> PublicKey:
        return await self._run(self.service.signer.public_key)

    async def verify_audit(self) -> AuditVerification:
        return await self._run(self.service.verify_audit_chain)
