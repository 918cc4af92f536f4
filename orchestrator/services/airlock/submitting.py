"""Submission: freeze files in quarantine, run the checks, then block or send to review.

The pipeline is a sequence of idempotent steps driven by the stored state:

* ``submitted``: copy outbox files into quarantine (temporary key, then committed
  under their SHA-256), recording each file's hash as it is frozen; then -> ``checking``.
* ``checking``: download every quarantined file (verifying its hash), run the
  checker, store verdicts and findings; then -> ``blocked`` or ``in_review``.

Each step re-reads the request under a lock before saving and does nothing if the
request moved on meanwhile. After a crash :meth:`SubmittingMixin.process` (called
by ``recover``) simply runs the remaining steps; content-addressed keys mean a
repeated copy writes the same object again, never a second one. An infrastructure
error moves the request to ``failed`` with the reason; an operator can ``retry``.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from orchestrator.adapters.database import ConcurrentUpdate, DatabaseError
from orchestrator.adapters.signing import SigningError
from orchestrator.adapters.storage import StorageError
from orchestrator.checks.model import Finding, Severity, Verdict, verdict_of
from orchestrator.domain.access import SYSTEM, Action, Actor
from orchestrator.domain.airlock.errors import (
    AirlockError,
    IntegrityError,
    InvalidInput,
    InvalidTransition,
)
from orchestrator.domain.airlock.model import CheckReport, FileCheck, Request
from orchestrator.domain.airlock.states import IN_PROGRESS, State, check_move
from orchestrator.services.airlock.core import AirlockCore, require
from orchestrator.services.airlock.streams import (
    ChunkReader,
    download_verified,
    ingest,
    quarantine_key,
)

log = logging.getLogger(__name__)

UNCHECKED_RULE = "airlock.unchecked"


class CheckerError(Exception):
    """The checker crashed or returned something unusable."""


STOPPING_ERRORS: tuple[type[Exception], ...] = (
    StorageError,
    DatabaseError,
    SigningError,
    CheckerError,
    OSError,
    AirlockError,  # e.g. changed bytes, an oversized outbox file, missing release evidence
)
"""Errors that stop an in-progress request: it becomes ``failed`` with the reason."""


def complete_report(request: Request, report: CheckReport) -> dict[str, FileCheck]:
    """Per-file results, with any file the checker did not report treated as blocked."""
    results: dict[str, FileCheck] = {}
    for f in request.files:
        result = report.files.get(f.name)
        if result is None:
            results[f.name] = FileCheck(
                verdict=Verdict.BLOCK,
                findings=(
                    Finding(
                        rule=UNCHECKED_RULE,
                        severity=Severity.BLOCK,
                        message="the checks returned no result for this file, so it cannot leave",
                    ),
                ),
            )
            continue
        worst = verdict_of([x.severity for x in result.findings])
        verdict = (
            Verdict.BLOCK
            if Verdict.BLOCK in (worst, result.verdict)
            else (Verdict.REVIEW if Verdict.REVIEW in (worst, result.verdict) else Verdict.PASS)
        )
        results[f.name] = FileCheck(verdict=verdict, findings=tuple(result.findings))
    return results


class SubmittingMixin(AirlockCore):
    """Submit, the submission pipeline, failure and retry."""

    def submit(self, actor: Actor, request_id: str, *, process: bool = True) -> Request:
        """Submit the current version: it is frozen, checked, then blocked or put in review.

        With ``process=False`` only the submission is recorded and the caller runs
        :meth:`process` later (e.g. in a background task); otherwise it runs now and
        the returned request is in its resting state (``blocked``, ``in_review`` or
        ``failed``).
        """
        with self._tx() as repo:
            request = self._load(repo, request_id, lock=True)
            check_move(request, State.SUBMITTED, actor)
            if not request.files:
                raise InvalidInput("add at least one file before submitting the request")
            if request.version == request.submitted_version:
                request = replace(
                    request,
                    version=request.version + 1,
                    files=tuple(replace(f, verdict=None, findings=()) for f in request.files),
                )
            required = repo.required_approvals(request.project) or (
                self.config.default_required_approvals
            )
            request = replace(
                request, submitted_version=request.version, required_approvals=required
            )
            request = self._transition(
                repo,
                request,
                State.SUBMITTED,
                actor,
                files=[{"name": f.name, "sha256": f.sha256, "size": f.size} for f in request.files],
                required_approvals=required,
            )
            repo.mark_version(request.id, request.version, submitted_at=self._now())
        return self.process(request_id) if process else request

    def process(self, request_id: str) -> Request:
        """Run every pending step of an in-progress request; safe to call at any time, twice."""
        for _ in range(8):
            with self._read() as repo:
                request = self._load(repo, request_id)
            try:
                if request.state is State.SUBMITTED:
                    self._freeze(request)
                elif request.state is State.CHECKING:
                    self._check(request)
                elif request.state is State.RELEASING:
                    self._run_release(request)
                else:
                    return request
            except ConcurrentUpdate:
                continue  # another worker finished this step first: look again
            except STOPPING_ERRORS as exc:
                log.warning("airlock request %s failed in %s: %s", request_id, request.state, exc)
                return self._fail(request_id, request.state, str(exc))
        with self._read() as repo:
            return self._load(repo, request_id)

    def _freeze(self, request: Request) -> None:
        """Copy outbox files into quarantine; then move to ``checking``."""
        bucket = self.config.quarantine_bucket
        for f in request.files:
            if f.sha256 is not None:
                if self.store.size(bucket, quarantine_key(f.sha256)) != f.size:
                    raise IntegrityError(f"the quarantined copy of {f.name} is missing")
                continue
            if f.source is None or not f.source.startswith("s3://"):
                raise IntegrityError(f"{f.name} has no bytes and no outbox source")
            source_bucket, _, source_key = f.source.removeprefix("s3://").partition("/")
            with self.store.open(source_bucket, source_key) as chunks:
                stored = ingest(
                    self.store,
                    bucket,
                    ChunkReader(chunks),  # type: ignore[arg-type]
                    max_size=self.config.max_file_size,
                )
            with self._tx() as repo:
                current = self._load(repo, request.id, lock=True)
                if current.state is not State.SUBMITTED or current.version != request.version:
                    return
                files = tuple(
                    replace(x, sha256=stored.sha256, size=stored.size) if x.name == f.name else x
                    for x in current.files
                )
                repo.save_request(replace(current, files=files, updated_at=self._now()))
                self._audit(
                    repo,
                    SYSTEM,
                    "file_quarantined",
                    request=current,
                    name=f.name,
                    sha256=stored.sha256,
                    size=stored.size,
                    source=f.source,
                )
        with self._tx() as repo:
            current = self._load(repo, request.id, lock=True)
            if current.state is State.SUBMITTED and current.version == request.version:
                self._transition(repo, current, State.CHECKING, SYSTEM)

    def _check(self, request: Request) -> None:
        """Run the checker on verified copies of the quarantined files."""
        bucket = self.config.quarantine_bucket
        with tempfile.TemporaryDirectory(prefix="airlock-check-", dir=self.config.work_dir) as tmp:
            paths: dict[str, Path] = {}
            for index, f in enumerate(request.files):
                if f.sha256 is None:
                    raise IntegrityError(f"{f.name} was never frozen in quarantine")
                local = Path(tmp) / str(index) / Path(f.name).name
                download_verified(
                    self.store, bucket, quarantine_key(f.sha256), local, expected_sha256=f.sha256
                )
                paths[f.name] = local
            try:
                report = self.checker.check(paths)
            except Exception as exc:
                raise CheckerError(f"the export checks could not run: {exc}") from exc
        results = complete_report(request, report)
        with self._tx() as repo:
            current = self._load(repo, request.id, lock=True)
            if current.state is not State.CHECKING or current.version != request.version:
                return
            files = tuple(
                replace(f, verdict=results[f.name].verdict, findings=results[f.name].findings)
                for f in current.files
            )
            checked = replace(
                current,
                files=files,
                ruleset_id=report.ruleset_id,
                ruleset_version=report.ruleset_version,
            )
            repo.mark_version(
                current.id,
                current.version,
                checked_at=self._now(),
                ruleset_id=report.ruleset_id,
                ruleset_version=report.ruleset_version,
            )
            target = State.BLOCKED if checked.has_block_finding else State.IN_REVIEW
            self._transition(
                repo,
                checked,
                target,
                SYSTEM,
                ruleset_id=report.ruleset_id,
                ruleset_version=report.ruleset_version,
                verdicts={name: str(r.verdict) for name, r in sorted(results.items())},
                findings=sum(len(r.findings) for r in results.values()),
            )

    def _fail(self, request_id: str, stage: State, reason: str) -> Request:
        with self._tx() as repo:
            current = self._load(repo, request_id, lock=True)
            if current.state is not stage:
                return current
            return self._transition(
                repo, current, State.FAILED, SYSTEM, failure_reason=reason, reason=reason
            )

    def fail(self, actor: Actor, request_id: str, reason: str) -> Request:
        """An operator stops a request stuck in an in-progress state, with a reason."""
        with self._tx() as repo:
            current = self._load(repo, request_id, lock=True)
            require(actor, Action.MARK_FAILED, current.project)
            if not reason.strip():
                raise InvalidInput("say why the request is being marked as failed")
            if current.state not in IN_PROGRESS:
                raise InvalidTransition(
                    f"this request is {current.state}; only a request in progress can fail"
                )
            return self._transition(
                repo, current, State.FAILED, actor, failure_reason=reason, reason=reason
            )

    def retry(self, actor: Actor, request_id: str, *, process: bool = True) -> Request:
        """An operator resumes a failed request where it stopped."""
        with self._tx() as repo:
            current = self._load(repo, request_id, lock=True)
            if current.state is not State.FAILED or current.failed_from is None:
                raise InvalidTransition(f"this request is {current.state}, not failed")
            resumed = self._transition(repo, current, current.failed_from, actor)
        return self.process(request_id) if process else resumed
