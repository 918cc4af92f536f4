"""Audit chain verification, signed checkpoints, configuration changes and crash recovery."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

from orchestrator.domain.access import SYSTEM, Action, Actor, Role
from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.audit import (
    AuditRecord,
    Checkpoint,
    checkpoint_document,
    checkpoint_from_document,
    verify_chain,
)
from orchestrator.domain.airlock.canonical import canonical_json
from orchestrator.domain.airlock.errors import NotPermitted
from orchestrator.domain.airlock.signing import Signature
from orchestrator.domain.airlock.states import IN_PROGRESS, State
from orchestrator.services.airlock.core import AirlockCore, require
from orchestrator.services.airlock.streams import TMP_PREFIX
from orchestrator.services.airlock.views import AuditVerification, RecoveryReport

log = logging.getLogger(__name__)


class AuditingMixin(AirlockCore):
    """Everything about the audit chain, project policy and recovery."""

    def verify_audit_chain(self) -> AuditVerification:
        """Verify every record against every signed checkpoint, in the database and outside it.

        Fails when a record was edited, deleted or moved, when a checkpoint's signature
        is wrong, when a checkpoint copied outside the database is missing from it (or
        the chain no longer holds what it pins), and when the newest checkpoint is older
        than ``checkpoint_max_age`` (records after it could have been cut off unseen).
        """
        with self._read() as repo:
            records = list(repo.audit_records())
            stored = repo.checkpoints()
        external = self._external_checkpoints()
        trusted: list[Checkpoint] = []
        problems: list[str] = []
        for origin, checkpoints in (("", stored), (" (external copy)", external)):
            for checkpoint, signature in checkpoints:
                if self.signer.verify(checkpoint.payload(), signature):
                    trusted.append(checkpoint)
                else:
                    problems.append(
                        f"the checkpoint at record {checkpoint.seq} ({checkpoint.at}){origin} has "
                        "an invalid signature: it was forged or altered"
                    )
        in_database = {(c.seq, c.hash) for c, _ in stored}
        for checkpoint, _ in external:
            if (checkpoint.seq, checkpoint.hash) not in in_database:
                problems.append(
                    f"the checkpoint at record {checkpoint.seq} ({checkpoint.at}) is kept outside "
                    "the database but missing from it: the database was altered"
                )
        result = verify_chain(records, trusted)
        stale = self._staleness(records, trusted)
        all_problems = (*result.problems, *problems, *((stale,) if stale else ()))
        return AuditVerification(
            ok=not all_problems,
            records_checked=result.records_checked,
            checkpoints_checked=len({(c.seq, c.hash) for c, _ in (*stored, *external)}),
            first_bad_seq=result.first_bad_seq,
            reason=result.reason or (all_problems[0] if all_problems else ""),
            problems=all_problems,
        )

    def _staleness(self, records: list[AuditRecord], trusted: list[Checkpoint]) -> str | None:
        if not records:
            return None
        bound = self.config.checkpoint_max_age
        now = self._now()
        if trusted:
            newest = max(trusted, key=lambda c: c.seq)
            if now - datetime.fromisoformat(newest.at) > bound:
                return (
                    f"the newest signed checkpoint ({newest.at}, record {newest.seq}) is older "
                    f"than {bound}: checkpoints stopped, and records after it could have been "
                    "cut off unnoticed"
                )
            return None
        first = records[0]
        if now - datetime.fromisoformat(first.at) > bound:
            return (
                f"there is no signed checkpoint although the first record is from {first.at}, "
                f"more than {bound} ago: records could have been cut off unnoticed"
            )
        return None

    def _external_checkpoints(self) -> list[tuple[Checkpoint, Signature]]:
        """The checkpoint copies kept in the audit bucket, oldest first."""
        found: list[tuple[Checkpoint, Signature]] = []
        bucket, prefix = self.config.audit_bucket, self.config.audit_prefix
        for key in sorted(self.store.list_keys(bucket, prefix)):
            with self.store.open(bucket, key) as chunks:
                found.append(checkpoint_from_document(json.loads(b"".join(chunks))))
        return found

    def audit_trail(self, actor: Actor, request_id: str) -> list[AuditRecord]:
        """The audit records of one request (operators and the project's reviewers)."""
        with self._read() as repo:
            request = self._load(repo, request_id)
            if not (actor.operator or actor.has_role(request.project, Role.REVIEWER)):
                raise NotPermitted(
                    "only operators and the project's reviewers can read its audit trail"
                )
            return list(repo.audit_records(request_id=request_id))

    def write_checkpoint(self) -> Checkpoint | None:
        """Sign the current head of the chain, record it, and copy it outside the database.

        Returns None if the chain is empty. The copy goes to ``audit_bucket`` under
        ``audit_prefix``; copies missing after a storage fault are written next time.
        """
        with self._tx() as repo:
            repo.lock_audit_chain()
            head = repo.last_audit_record()
            if head is None:
                return None
            checkpoint = Checkpoint(seq=head.seq, hash=head.hash, at=self._now().isoformat())
            repo.add_checkpoint(checkpoint, self.signer.sign(checkpoint.payload()))
            self._audit(repo, SYSTEM, "audit_checkpoint", seq=head.seq, hash=head.hash)
        self.copy_checkpoints()
        return checkpoint

    def copy_checkpoints(self) -> int:
        """Copy every checkpoint not yet outside the database to the audit bucket."""
        with self._read() as repo:
            stored = repo.checkpoints()
        bucket, prefix = self.config.audit_bucket, self.config.audit_prefix
        present = set(self.store.list_keys(bucket, prefix))
        copied = 0
        for checkpoint, signature in stored:
            key = f"{prefix}{checkpoint.seq:012d}.json"
            if key in present:
                continue
            body = canonical_json(checkpoint_document(checkpoint, signature))
            self.store.put_stream(bucket, key, io.BytesIO(body), len(body))
            copied += 1
        return copied

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Write a checkpoint if the chain has records and the last one is ``checkpoint_interval`` old.

        An idle chain is checkpointed too, so the newest checkpoint is never older than
        the interval while the service runs; verification relies on that.
        """
        with self._read() as repo:
            checkpoints = repo.checkpoints()
            head = repo.last_audit_record()
        if head is None:
            return None
        if checkpoints:
            last, _ = checkpoints[-1]
            if self._now() - datetime.fromisoformat(last.at) < self.config.checkpoint_interval:
                return None
        return self.write_checkpoint()

    def required_approvals(self, project: str) -> int:
        with self._read() as repo:
            return repo.required_approvals(project) or self.config.default_required_approvals

    def set_required_approvals(self, actor: Actor, project: str, count: int) -> None:
        """An operator sets how many independent approvals a project's requests need."""
        require(actor, Action.SET_REQUIRED_APPROVALS, project)
        rules.check_required_approvals(count)
        with self._tx() as repo:
            old = repo.required_approvals(project) or self.config.default_required_approvals
            repo.set_required_approvals(project, count, actor.username, self._now())
            self._audit(
                repo,
                actor,
                "configuration_changed",
                project=project,
                setting="required_approvals",
                old=old,
                new=count,
            )

    def recover(self) -> RecoveryReport:
        """Finish what a crash interrupted. Call once at startup, before serving requests.

        Removes temporary objects (half-written uploads and copies) and resumes every
        request in ``submitted``, ``checking`` or ``releasing``. Run it on one
        instance only: it assumes no other instance is mid-copy.
        """
        removed = 0
        for bucket in (self.config.quarantine_bucket, self.config.release_bucket):
            for key in self.store.list_keys(bucket, TMP_PREFIX):
                self.store.remove(bucket, key)
                removed += 1
        with self._tx() as repo:
            pending = repo.list_requests(states=sorted(IN_PROGRESS), limit=100_000)
        resumed: list[str] = []
        failed: list[str] = []
        for request in pending:
            log.info("resuming airlock request %s in %s", request.id, request.state)
            result = self.process(request.id)
            (failed if result.state is State.FAILED else resumed).append(request.id)
        with self._tx() as repo:
            self._audit(
                repo,
                SYSTEM,
                "recovered",
                resumed=resumed,
                failed=failed,
                temporary_objects_removed=removed,
            )
        return RecoveryReport(
            resumed=tuple(resumed), failed=tuple(failed), temporary_objects_removed=removed
        )
