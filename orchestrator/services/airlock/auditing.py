"""Audit chain verification, signed checkpoints, configuration changes and crash recovery."""

from __future__ import annotations

import logging
from datetime import datetime

from orchestrator.domain.access import SYSTEM, Action, Actor, Role
from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.audit import AuditRecord, Checkpoint, verify_chain
from orchestrator.domain.airlock.errors import NotPermitted
from orchestrator.domain.airlock.states import IN_PROGRESS, State
from orchestrator.services.airlock.core import AirlockCore, require
from orchestrator.services.airlock.streams import TMP_PREFIX
from orchestrator.services.airlock.views import AuditVerification, RecoveryReport

log = logging.getLogger(__name__)


class AuditingMixin(AirlockCore):
    """Everything about the audit chain, project policy and recovery."""

    def verify_audit_chain(self) -> AuditVerification:
        """Verify every record and every signed checkpoint; name the first bad record."""
        with self._read() as repo:
            records = list(repo.audit_records())
            checkpoints = repo.checkpoints()
        trusted: list[Checkpoint] = []
        bad_signatures: list[str] = []
        for checkpoint, signature in checkpoints:
            if self.signer.verify(checkpoint.payload(), signature):
                trusted.append(checkpoint)
            else:
                bad_signatures.append(
                    f"the checkpoint at record {checkpoint.seq} ({checkpoint.at}) has an invalid "
                    "signature: it was forged or altered"
                )
        result = verify_chain(records, trusted)
        problems = (*result.problems, *bad_signatures)
        first_seq = result.first_bad_seq
        reason = result.reason
        if result.ok and bad_signatures:
            reason = bad_signatures[0]
        return AuditVerification(
            ok=not problems,
            records_checked=result.records_checked,
            checkpoints_checked=len(checkpoints),
            first_bad_seq=first_seq,
            reason=reason,
            problems=problems,
        )

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
        """Sign the current head of the chain and record the checkpoint (None if empty)."""
        with self._tx() as repo:
            repo.lock_audit_chain()
            head = repo.last_audit_record()
            if head is None:
                return None
            checkpoint = Checkpoint(seq=head.seq, hash=head.hash, at=self._now().isoformat())
            repo.add_checkpoint(checkpoint, self.signer.sign(checkpoint.payload()))
            self._audit(repo, SYSTEM, "audit_checkpoint", seq=head.seq, hash=head.hash)
        return checkpoint

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Write a checkpoint if the last one is older than the interval and records were added."""
        with self._read() as repo:
            checkpoints = repo.checkpoints()
            head = repo.last_audit_record()
        if head is None:
            return None
        if checkpoints:
            last, _ = checkpoints[-1]
            age = self._now() - datetime.fromisoformat(last.at)
            grown = head.seq > last.seq + 1  # more than the checkpoint's own record
            if age < self.config.checkpoint_interval or not grown:
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
