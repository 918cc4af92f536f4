"""Random sequences of actions by random actors never release anything they should not.

A Hypothesis state machine drives the real service (SQLite, SeaweedFS S3, the basic
checker, an Ed25519 signer). After every step it asserts, for every request that
has been released: the released version was approved by at least N distinct
eligible reviewers, none of them the requester; it carries no ``block`` finding;
and every released object's SHA-256 equals the hash of the bytes submitted.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from orchestrator.adapters.database import Database
from orchestrator.adapters.signing import LocalEd25519Signer
from orchestrator.adapters.storage import S3ObjectStore
from orchestrator.domain.access import Actor, Role
from orchestrator.domain.airlock.errors import AirlockError, NotPermitted
from orchestrator.domain.airlock.model import Decision
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock import AirlockService
from orchestrator.services.airlock.streams import quarantine_key
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock.conftest import make_config, make_store

PROJECT = "genomics"
R, V = Role.RESEARCHER, Role.REVIEWER
ACTORS = [
    Actor("alice", {PROJECT: frozenset({R, V})}),  # researcher who also reviews
    Actor("ben", {PROJECT: frozenset({R})}),
    Actor("rita", {PROJECT: frozenset({V, R})}),  # reviewer who also researches
    Actor("ravi", {PROJECT: frozenset({V})}),
    Actor("rosa", {PROJECT: frozenset({V})}),
    Actor("olga", {"other": frozenset({V})}),  # reviewer of another project
    Actor("otto", operator=True),
]
ELIGIBLE_REVIEWERS = {a.username for a in ACTORS if a.has_role(PROJECT, V)}
OPERATOR = ACTORS[-1]

CONTENTS = {
    "safe": b"group,n\na,120\nb,340\n",
    "small": b"group,n\na,120\nb,4\n",
    "key": b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n",
    "notes": b"# Notes\nmethod as registered\n",
}
NAMES = ["table.csv", "notes.md", "out/figure.csv"]

THE_REQUESTER = "the requester"
A_REVIEWER = "a reviewer"
actors = st.sampled_from(ACTORS)
# A third of the time the actor is drawn from everyone; otherwise it is the request's own
# requester or one of the project's reviewers, so that walks reach review and release.
request_actors = st.sampled_from([*ACTORS, *[THE_REQUESTER] * 6, *[A_REVIEWER] * 8])
decisions = st.sampled_from([Decision.APPROVE] * 8 + [Decision.REQUEST_CHANGES, Decision.REJECT])
RELEASES_SEEN: list[str] = []
MAX_REQUESTS = 3  # few requests, long walks: each request gets far enough to be released


class AirlockMachine(RuleBasedStateMachine):
    requests = Bundle("requests")

    def __init__(self, store: S3ObjectStore) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="airlock-stateful-"))
        self.database = Database(f"sqlite:///{self.tmp / 'airlock.db'}")
        self.store = store
        self.airlock = AirlockService(
            self.database, store, BasicChecker(), LocalEd25519Signer.generate(), make_config()
        )
        self.airlock.setup()
        self.nonce = uuid.uuid4().hex.encode()  # keeps this run's hashes its own
        self.files: dict[str, dict[str, bytes]] = {}  # request -> the requester's current files
        self.submitted: dict[tuple[str, int], dict[str, str]] = {}  # (request, version) -> hashes
        self.verified: set[str] = set()

    def teardown(self) -> None:
        self.database.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _resolve(self, request_id: str, actor: Actor | str, pick: int) -> Actor:
        if isinstance(actor, Actor):
            return actor
        request = self.airlock.get_request(OPERATOR, request_id).request
        if actor == THE_REQUESTER:
            return next(a for a in ACTORS if a.username == request.requester)
        reviewers = [
            a for a in ACTORS if a.has_role(PROJECT, V) and a.username != request.requester
        ]
        return reviewers[pick % len(reviewers)]

    def _bytes(self, kind: str) -> bytes:
        return CONTENTS[kind] + b"\n" + self.nonce + b"\n"

    @precondition(lambda self: len(self.files) < MAX_REQUESTS)
    @rule(target=requests, actor=actors, kind=st.sampled_from(sorted(CONTENTS)))
    def create(self, actor: Actor, kind: str) -> Any:
        try:
            request = self.airlock.create_draft(actor, project=PROJECT, title="t", purpose="p")
        except NotPermitted:
            assert not actor.has_role(PROJECT, R)
            return multiple()
        data = self._bytes(kind)
        self.airlock.add_file(actor, request.id, "table.csv", stream=io.BytesIO(data))
        self.files[request.id] = {"table.csv": data}
        return request.id

    @rule(
        request_id=requests,
        actor=request_actors,
        name=st.sampled_from(NAMES),
        kind=st.sampled_from(sorted(CONTENTS)),
    )
    def add_file(self, request_id: str, actor: Any, name: str, kind: str) -> None:
        actor = self._resolve(request_id, actor, 0)
        data = self._bytes(kind)
        try:
            self.airlock.add_file(actor, request_id, name, stream=io.BytesIO(data))
        except AirlockError:
            return
        self.files[request_id][name] = data

    @rule(request_id=requests, actor=request_actors, pick=st.integers(0, 2))
    def submit(self, request_id: str, actor: Any, pick: int) -> None:
        actor = self._resolve(request_id, actor, pick)
        try:
            request = self.airlock.submit(actor, request_id)
        except AirlockError:
            return
        self.submitted[(request_id, request.version)] = {
            name: hashlib.sha256(data).hexdigest() for name, data in self.files[request_id].items()
        }

    @rule(
        request_id=requests,
        actor=request_actors,
        pick=st.integers(0, 2),
        decision=decisions,
        acknowledge=st.sampled_from([True, True, True, False]),
        comment=st.sampled_from(["", "please round"]),
    )
    def review(
        self,
        request_id: str,
        actor: Any,
        pick: int,
        decision: Decision,
        acknowledge: bool,
        comment: str,
    ) -> None:
        actor = self._resolve(request_id, actor, pick)
        request = self.airlock.get_request(OPERATOR, request_id).request
        keys = request.review_finding_keys if acknowledge else frozenset()
        try:
            self.airlock.review(actor, request_id, decision, comment=comment, acknowledged=keys)
        except AirlockError:
            return
        assert actor.username != request.requester
        assert actor.username in ELIGIBLE_REVIEWERS

    @rule(request_id=requests, actor=request_actors, pick=st.integers(0, 2))
    def release(self, request_id: str, actor: Any, pick: int) -> None:
        actor = self._resolve(request_id, actor, pick)
        try:
            self.airlock.release(actor, request_id)
        except AirlockError:
            return

    @rule(request_id=requests, actor=request_actors, pick=st.integers(0, 2))
    def withdraw(self, request_id: str, actor: Any, pick: int) -> None:
        if pick != 2:  # now and then: a withdrawn request ends the walk for that request
            return
        actor = self._resolve(request_id, actor, pick)
        try:
            self.airlock.withdraw(actor, request_id)
        except AirlockError:
            return

    @rule(request_id=requests, actor=request_actors, pick=st.integers(0, 2))
    def revoke(self, request_id: str, actor: Any, pick: int) -> None:
        actor = self._resolve(request_id, actor, pick)
        try:
            self.airlock.revoke(actor, request_id, "revoked in test")
        except AirlockError:
            return

    @rule(request_id=requests, actor=request_actors, pick=st.integers(0, 2))
    def retry(self, request_id: str, actor: Any, pick: int) -> None:
        actor = self._resolve(request_id, actor, pick)
        try:
            self.airlock.retry(actor, request_id)
        except AirlockError:
            return

    @rule(
        request_id=requests,
        actor=request_actors,
        pick=st.integers(0, 2),
        name=st.sampled_from(NAMES),
    )
    def open_quarantined(self, request_id: str, actor: Any, pick: int, name: str) -> None:
        actor = self._resolve(request_id, actor, pick)
        request = self.airlock.get_request(OPERATOR, request_id).request
        try:
            with self.airlock.open_quarantined_file(actor, request_id, name) as chunks:
                b"".join(chunks)
        except AirlockError:
            return
        assert actor.username != request.requester
        assert actor.username in ELIGIBLE_REVIEWERS

    @rule(request_id=requests, name=st.sampled_from(NAMES), roll=st.integers(0, 3))
    def tamper_with_quarantine(self, request_id: str, name: str, roll: int) -> None:
        """Someone with storage access swaps a quarantined file for other bytes (now and then)."""
        if roll != 3:  # Hypothesis favours small numbers: this keeps tampering rare
            return
        request = self.airlock.get_request(OPERATOR, request_id).request
        found = request.file(name)
        if found is None or found.sha256 is None:
            return
        self.store.put_stream(
            self.airlock.config.quarantine_bucket,
            quarantine_key(found.sha256),
            io.BytesIO(b"group,n\nx,2\n" + self.nonce),
        )

    # Focused moves by the right kind of actor, so that walks regularly get as far as
    # release; the rules above try every move with every kind of actor.

    @rule(request_id=requests)
    def submit_as_requester(self, request_id: str) -> None:
        self.submit(request_id, THE_REQUESTER, 0)

    @rule(request_id=requests)
    def approve_as_next_reviewer(self, request_id: str) -> None:
        request = self.airlock.get_request(OPERATOR, request_id).request
        voted = {
            v.reviewer
            for v in self.airlock.votes(OPERATOR, request_id)
            if v.version == request.version
        }
        reviewers = [
            a.username for a in ACTORS if a.has_role(PROJECT, V) and a.username != request.requester
        ]
        waiting = [name for name in reviewers if name not in voted]
        if waiting:
            self.review(
                request_id, A_REVIEWER, reviewers.index(waiting[0]), Decision.APPROVE, True, ""
            )

    @rule(request_id=requests, pick=st.integers(0, 2))
    def release_as_reviewer(self, request_id: str, pick: int) -> None:
        self.release(request_id, A_REVIEWER, pick)

    @invariant()
    def nothing_leaves_without_independent_approval_and_identical_bytes(self) -> None:
        for request in self.airlock.list_requests(OPERATOR, limit=10_000):
            detail = self.airlock.get_request(OPERATOR, request.id)
            if not detail.released:
                continue
            votes = [v for v in detail.votes if v.version == request.version]
            approvers = {
                v.reviewer
                for v in votes
                if v.decision is Decision.APPROVE
                and v.reviewer != request.requester
                and v.reviewer in ELIGIBLE_REVIEWERS
            }
            assert len(approvers) >= request.required_approvals >= 1
            assert all(v.decision is Decision.APPROVE for v in votes)
            assert not request.has_block_finding
            submitted = self.submitted[(request.id, request.version)]
            assert {f.name: f.sha256 for f in request.files} == submitted
            assert set(detail.released) == set(submitted)
            if request.id in self.verified or request.state is not State.RELEASED:
                continue
            event("a request was released")
            RELEASES_SEEN.append(request.id)
            for name, key in detail.released.items():
                measured = self.store.measure(self.airlock.config.release_bucket, key)
                assert measured.sha256 == submitted[name], (request.id, name)
            self.verified.add(request.id)


def test_random_actions_never_release_what_should_not_leave(s3: Any) -> None:
    store = make_store(s3)
    RELEASES_SEEN.clear()
    run_state_machine_as_test(
        lambda: AirlockMachine(store),
        settings=settings(
            max_examples=10,
            stateful_step_count=150,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    assert RELEASES_SEEN, "no walk reached a release: the property was never exercised"
