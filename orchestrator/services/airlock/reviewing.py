"""Review: independent votes, hidden until complete, and the decision they lead to.

Reviewers may open quarantined files (each view is audited); the requester never can.
When the last required vote would approve, every quarantined file is re-hashed first,
under the request's row lock, so racing votes cannot skip it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from orchestrator.domain.access import SYSTEM, Actor
from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.errors import IntegrityError, NotFound, NotPermitted
from orchestrator.domain.airlock.model import Decision, Request, RequestFile, Vote
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock.core import AirlockCore, detail_for, verify_quarantined
from orchestrator.services.airlock.streams import quarantine_key
from orchestrator.services.airlock.views import RequestDetail


class ReviewingMixin(AirlockCore):
    """Viewing requests, voting, and opening quarantined files."""

    def get_request(self, actor: Actor, request_id: str) -> RequestDetail:
        """A request as ``actor`` may see it (votes filtered, actions listed)."""
        with self._read() as repo:
            request = self._load(repo, request_id)
            rules.check_can_view(request, actor)
            released = {
                name: key
                for name, (_, key) in repo.released_files(request.id, request.version).items()
            }
            return detail_for(
                request, actor, repo.votes(request.id), repo.failure_reason(request.id), released
            )

    def list_requests(
        self,
        actor: Actor,
        *,
        project: str | None = None,
        states: list[State] | None = None,
        mine: bool = False,
        limit: int = 500,
    ) -> list[Request]:
        """Requests the actor may see, newest first, optionally filtered."""
        visible = actor.visible_projects()
        if visible is None:
            projects = None if project is None else [project]
        else:
            projects = sorted(p for p in visible if project is None or p == project)
        with self._read() as repo:
            return repo.list_requests(
                projects=projects,
                states=states,
                requester=actor.username if mine else None,
                limit=limit,
            )

    def count_by_state(self) -> dict[str, int]:
        """How many requests are in each state (for metrics; no request is loaded)."""
        with self._read() as repo:
            return repo.count_by_state()

    def votes(self, actor: Actor, request_id: str) -> tuple[Vote, ...]:
        """The votes ``actor`` may see on any version of the request."""
        with self._read() as repo:
            request = self._load(repo, request_id)
            return rules.visible_votes(request, actor, repo.votes(request.id))

    def review(
        self,
        actor: Actor,
        request_id: str,
        decision: Decision,
        *,
        comment: str = "",
        acknowledged: frozenset[str] = frozenset(),
    ) -> Request:
        """Cast ``actor``'s vote on the current version; decide once every vote is in.

        Approving requires acknowledging every ``review`` finding (by
        :func:`~orchestrator.domain.airlock.model.finding_key`); requesting changes
        requires a comment. A ``block`` finding can never be approved.
        """
        with self._read() as repo:
            request = self._load(repo, request_id)
            votes = repo.votes(request.id)
        rules.check_can_review(request, actor, votes)
        rules.check_vote(request, decision, comment, acknowledged)
        vote = Vote(
            reviewer=actor.username,
            version=request.version,
            decision=decision,
            comment=comment.strip(),
            acknowledged=acknowledged,
            at=self._now(),
        )
        violation: IntegrityError | None = None
        with self._tx() as repo:
            current = self._load(repo, request_id, lock=True)
            votes = repo.votes(current.id)
            if current.version != request.version:
                raise NotPermitted(
                    "the request changed while you were reviewing it; reload it and review again"
                )
            rules.check_can_review(current, actor, votes)
            rules.check_vote(current, decision, comment, acknowledged)
            outcome = rules.decide(current, [*votes, vote])
            if outcome is State.APPROVED:
                # The deciding vote re-hashes under the row lock: a vote racing this
                # one waits here, so whichever comes last always sees every file.
                try:
                    verify_quarantined(self.store, self.config.quarantine_bucket, current)
                except IntegrityError as exc:
                    self._audit(
                        repo, actor, "integrity_violation", request=current, reason=str(exc)
                    )
                    violation = exc
            if violation is None:
                repo.add_vote(current.id, vote)
                self._audit(
                    repo,
                    actor,
                    "vote_cast",
                    request=current,
                    version=current.version,
                    decision=str(decision),
                    comment=vote.comment,
                    acknowledged=sorted(acknowledged),
                )
                if outcome is None:
                    return current
                return self._transition(
                    repo,
                    current,
                    outcome,
                    SYSTEM,
                    reviewers=sorted(
                        v.reviewer for v in [*votes, vote] if v.version == current.version
                    ),
                )
        assert violation is not None  # every other path returned inside the transaction
        raise violation

    def _quarantined_file(self, actor: Actor, request: Request, name: str) -> RequestFile:
        rules.check_can_open_quarantined(request, actor)
        found = request.file(name)
        if found is None or found.sha256 is None:
            raise NotFound(f"this request has no quarantined file {name!r}")
        return found

    @contextmanager
    def open_quarantined_file(
        self, actor: Actor, request_id: str, name: str
    ) -> Iterator[Iterator[bytes]]:
        """Stream a quarantined file to a reviewer (audited as a file view)."""
        with self._tx() as repo:
            request = self._load(repo, request_id)
            found = self._quarantined_file(actor, request, name)
            self._audit(repo, actor, "file_viewed", request=request, name=name, sha256=found.sha256)
        assert found.sha256 is not None
        with self.store.open(self.config.quarantine_bucket, quarantine_key(found.sha256)) as chunks:
            yield chunks
