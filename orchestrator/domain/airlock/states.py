"""The airlock request state machine, as data: transitions, owners, and one gate.

``TRANSITIONS`` says which moves exist, ``OWNERS`` says who may make each of them,
and :func:`check_move` is the only place that decides whether an actor may move a
request. The state diagram in the reference docs is generated from these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from orchestrator.domain.airlock.actors import Actor, ProjectRole
from orchestrator.domain.airlock.errors import InvalidTransition, NotPermitted


class State(StrEnum):
    """Where a request is in its life."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHECKING = "checking"
    BLOCKED = "blocked"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RELEASING = "releasing"
    RELEASED = "released"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"


class Role(StrEnum):
    """The part an actor plays towards one request (not a project role)."""

    REQUESTER = "requester"
    REVIEWER = "reviewer"
    SYSTEM = "system"
    OPERATOR = "operator"


S = State
R = Role

OWNERS: Mapping[tuple[State, State], frozenset[Role]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({R.REQUESTER}),
    (S.DRAFT, S.WITHDRAWN): frozenset({R.REQUESTER}),
    (S.SUBMITTED, S.CHECKING): frozenset({R.SYSTEM}),
    (S.SUBMITTED, S.FAILED): frozenset({R.SYSTEM, R.OPERATOR}),
    (S.CHECKING, S.BLOCKED): frozenset({R.SYSTEM}),
    (S.CHECKING, S.IN_REVIEW): frozenset({R.SYSTEM}),
    (S.CHECKING, S.FAILED): frozenset({R.SYSTEM, R.OPERATOR}),
    (S.BLOCKED, S.SUBMITTED): frozenset({R.REQUESTER}),
    (S.BLOCKED, S.WITHDRAWN): frozenset({R.REQUESTER}),
    (S.IN_REVIEW, S.CHANGES_REQUESTED): frozenset({R.SYSTEM}),
    (S.IN_REVIEW, S.APPROVED): frozenset({R.SYSTEM}),
    (S.IN_REVIEW, S.REJECTED): frozenset({R.SYSTEM}),
    (S.CHANGES_REQUESTED, S.SUBMITTED): frozenset({R.REQUESTER}),
    (S.CHANGES_REQUESTED, S.WITHDRAWN): frozenset({R.REQUESTER}),
    (S.APPROVED, S.RELEASING): frozenset({R.REVIEWER, R.OPERATOR}),
    (S.RELEASING, S.RELEASED): frozenset({R.SYSTEM}),
    (S.RELEASING, S.FAILED): frozenset({R.SYSTEM, R.OPERATOR}),
    (S.RELEASED, S.REVOKED): frozenset({R.REVIEWER, R.OPERATOR}),
    (S.FAILED, S.SUBMITTED): frozenset({R.OPERATOR}),
    (S.FAILED, S.CHECKING): frozenset({R.OPERATOR}),
    (S.FAILED, S.RELEASING): frozenset({R.OPERATOR}),
}
"""Who may make each move. Every move in ``TRANSITIONS`` has an entry here and vice versa."""

TRANSITIONS: Mapping[State, frozenset[State]] = {
    state: frozenset(target for (source, target) in OWNERS if source is state) for state in State
}
"""The moves out of each state; a state with no moves is terminal."""

INITIAL = State.DRAFT
TERMINAL: frozenset[State] = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
IN_PROGRESS: frozenset[State] = frozenset({S.SUBMITTED, S.CHECKING, S.RELEASING})
"""States the airlock moves through by itself; a crash here is resumed by recovery."""
EDITABLE: frozenset[State] = frozenset({S.DRAFT, S.CHANGES_REQUESTED, S.BLOCKED})
"""States in which the requester may change files, context and controls."""

NEVER_BY_REQUESTER: frozenset[tuple[State, State]] = frozenset({(S.APPROVED, S.RELEASING)})
"""Moves the requester may not make even when they also hold an owning role."""

MOVE_NAMES: Mapping[tuple[State, State], str] = {
    (S.DRAFT, S.SUBMITTED): "submit",
    (S.BLOCKED, S.SUBMITTED): "submit a new version",
    (S.CHANGES_REQUESTED, S.SUBMITTED): "submit a new version",
    (S.APPROVED, S.RELEASING): "release",
    (S.RELEASED, S.REVOKED): "revoke",
    (S.FAILED, S.SUBMITTED): "retry",
    (S.FAILED, S.CHECKING): "retry",
    (S.FAILED, S.RELEASING): "retry",
}


class Subject(Protocol):
    """What the gate needs to know about a request."""

    @property
    def state(self) -> State: ...
    @property
    def project(self) -> str: ...
    @property
    def requester(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def failed_from(self) -> State | None: ...


def roles_for(subject: Subject, actor: Actor) -> frozenset[Role]:
    """The roles ``actor`` plays towards this request.

    The requester is never also a reviewer of their own request, whatever project
    roles they hold.
    """
    if actor.system:
        return frozenset({R.SYSTEM})
    roles: set[Role] = set()
    if actor.operator:
        roles.add(R.OPERATOR)
    if actor.username == subject.requester:
        roles.add(R.REQUESTER)
    elif actor.has_role(subject.project, ProjectRole.REVIEWER):
        roles.add(R.REVIEWER)
    return frozenset(roles)


def _describe(move: tuple[State, State]) -> str:
    name = MOVE_NAMES.get(move)
    return name if name else f"move a request from {move[0]} to {move[1]}"


def _owners_text(owners: frozenset[Role]) -> str:
    words = {
        R.REQUESTER: "the requester",
        R.REVIEWER: "a reviewer of the project",
        R.SYSTEM: "the airlock itself",
        R.OPERATOR: "an operator",
    }
    return " or ".join(words[r] for r in sorted(owners))


def check_move(subject: Subject, target: State, actor: Actor) -> None:
    """Raise unless ``actor`` may move the request from its current state to ``target``."""
    move = (subject.state, target)
    if target not in TRANSITIONS[subject.state]:
        if subject.state in TERMINAL:
            raise InvalidTransition(
                f"this request is {subject.state}, which is final; it cannot become {target}"
            )
        options = ", ".join(sorted(TRANSITIONS[subject.state]))
        raise InvalidTransition(
            f"this request is {subject.state}; it cannot become {target} (it can become: {options})"
        )
    if subject.state is S.FAILED and subject.failed_from is not target:
        raise InvalidTransition(
            f"this request failed while {subject.failed_from}; a retry resumes it there, "
            f"not at {target}"
        )
    roles = roles_for(subject, actor)
    if move in NEVER_BY_REQUESTER and R.REQUESTER in roles:
        raise NotPermitted(
            f"you requested this {subject.direction}, so you cannot {_describe(move)} it"
        )
    if not roles & OWNERS[move]:
        if R.REQUESTER in OWNERS[move] and actor.username != subject.requester:
            raise NotPermitted(
                f"only the requester ({subject.requester}) can {_describe(move)} this request"
            )
        if R.REVIEWER in OWNERS[move] and R.REQUESTER in roles:
            raise NotPermitted(
                f"you requested this {subject.direction}, so you cannot {_describe(move)} it"
            )
        raise NotPermitted(
            f"only {_owners_text(OWNERS[move])} can {_describe(move)} this request; "
            f"you are {actor.username}"
        )


def can_move(subject: Subject, target: State, actor: Actor) -> bool:
    """Whether :func:`check_move` would allow the move (for buttons and menus)."""
    try:
        check_move(subject, target, actor)
    except (InvalidTransition, NotPermitted):
        return False
    return True


def mermaid_diagram() -> str:
    """A Mermaid state diagram of ``TRANSITIONS``, each arrow labelled with its owners."""
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL}"]
    for (source, target), owners in OWNERS.items():
        label = ", ".join(sorted(owners))
        lines.append(f"    {source} --> {target}: {label}")
    for state in sorted(TERMINAL):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
