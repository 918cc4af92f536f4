"""The airlock request state machine, as data: transitions, owners, and one gate.

``TRANSITIONS`` says which moves exist, ``OWNERS`` says who may make each of them (an
action of the one permission table in :mod:`orchestrator.domain.access`, the airlock
itself, or both), and :func:`check_move` is the only place that decides whether an
actor may move a request. The state diagram in the reference docs is generated from these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from orchestrator.domain.access import PERMISSIONS, Action, Actor, Requester, Role, roles_text
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


@dataclass(frozen=True)
class Owners:
    """Who may make one move: the people ``PERMISSIONS[action]`` allows, and/or the airlock."""

    action: Action | None = None
    airlock: bool = False

    @property
    def label(self) -> str:
        """For the diagram: the permitted roles, how they relate to the requester, ``airlock``."""
        parts: list[str] = []
        if self.action is not None:
            permission = PERMISSIONS[self.action]
            parts.append(", ".join(sorted(permission.roles)) + _RELATION[permission.requester])
        if self.airlock:
            parts.append("airlock")
        return ", ".join(parts)


_RELATION = {
    Requester.ANY: "",
    Requester.ONLY: " (requester only)",
    Requester.NEVER: " (not the requester)",
}


S = State
AIRLOCK = Owners(airlock=True)
ACTION = Action

OWNERS: Mapping[tuple[State, State], Owners] = {
    (S.DRAFT, S.SUBMITTED): Owners(ACTION.SUBMIT),
    (S.DRAFT, S.WITHDRAWN): Owners(ACTION.WITHDRAW),
    (S.SUBMITTED, S.CHECKING): AIRLOCK,
    (S.SUBMITTED, S.FAILED): Owners(ACTION.MARK_FAILED, airlock=True),
    (S.CHECKING, S.BLOCKED): AIRLOCK,
    (S.CHECKING, S.IN_REVIEW): AIRLOCK,
    (S.CHECKING, S.FAILED): Owners(ACTION.MARK_FAILED, airlock=True),
    (S.BLOCKED, S.SUBMITTED): Owners(ACTION.SUBMIT),
    (S.BLOCKED, S.WITHDRAWN): Owners(ACTION.WITHDRAW),
    (S.IN_REVIEW, S.CHANGES_REQUESTED): AIRLOCK,
    (S.IN_REVIEW, S.APPROVED): AIRLOCK,
    (S.IN_REVIEW, S.REJECTED): AIRLOCK,
    (S.CHANGES_REQUESTED, S.SUBMITTED): Owners(ACTION.SUBMIT),
    (S.CHANGES_REQUESTED, S.WITHDRAWN): Owners(ACTION.WITHDRAW),
    (S.APPROVED, S.RELEASING): Owners(ACTION.RELEASE),
    (S.RELEASING, S.RELEASED): AIRLOCK,
    (S.RELEASING, S.FAILED): Owners(ACTION.MARK_FAILED, airlock=True),
    (S.RELEASED, S.REVOKED): Owners(ACTION.REVOKE),
    (S.FAILED, S.SUBMITTED): Owners(ACTION.RETRY),
    (S.FAILED, S.CHECKING): Owners(ACTION.RETRY),
    (S.FAILED, S.RELEASING): Owners(ACTION.RETRY),
}
"""Who may make each move: an action of the permission table (people), the airlock, or both.

Every move in ``TRANSITIONS`` has an entry here and vice versa.
"""

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

MOVE_NAMES: Mapping[tuple[State, State], str] = {
    (S.DRAFT, S.SUBMITTED): "submit",
    (S.BLOCKED, S.SUBMITTED): "submit a new version",
    (S.CHANGES_REQUESTED, S.SUBMITTED): "submit a new version",
    (S.DRAFT, S.WITHDRAWN): "withdraw",
    (S.BLOCKED, S.WITHDRAWN): "withdraw",
    (S.CHANGES_REQUESTED, S.WITHDRAWN): "withdraw",
    (S.SUBMITTED, S.FAILED): "mark as failed",
    (S.CHECKING, S.FAILED): "mark as failed",
    (S.RELEASING, S.FAILED): "mark as failed",
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
    """The roles ``actor`` holds towards this request.

    The requester never counts as a reviewer of their own request, whatever project
    roles they hold.
    """
    roles = actor.roles_in(subject.project)
    if actor.username == subject.requester:
        roles = roles - {Role.REVIEWER}
    return roles


def _describe(move: tuple[State, State]) -> str:
    name = MOVE_NAMES.get(move)
    return name if name else f"move a request from {move[0]} to {move[1]}"


def _check_person(subject: Subject, move: tuple[State, State], actor: Actor) -> None:
    owners = OWNERS[move]
    if owners.action is None:
        raise NotPermitted(
            f"only the airlock itself can {_describe(move)} this request; you are {actor.username}"
        )
    permission = PERMISSIONS[owners.action]
    is_requester = actor.username == subject.requester
    if permission.requester is Requester.NEVER and is_requester:
        raise NotPermitted(
            f"you requested this {subject.direction}, so you cannot {_describe(move)} it"
        )
    if permission.requester is Requester.ONLY and not is_requester:
        raise NotPermitted(
            f"only the requester ({subject.requester}) can {_describe(move)} this request"
        )
    if roles_for(subject, actor) & permission.roles:
        return
    if (
        is_requester
        and Role.REVIEWER in permission.roles
        and actor.has_role(subject.project, Role.REVIEWER)
    ):
        raise NotPermitted(
            f"you requested this {subject.direction}, so you cannot {_describe(move)} it"
        )
    raise NotPermitted(
        f"{_describe(move)} needs {roles_text(permission.roles)} on project "
        f"{subject.project}; you are {actor.username}"
    )


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
    if actor.system:
        if not OWNERS[move].airlock:
            raise NotPermitted(f"only a person can {_describe(move)} this request")
        return
    _check_person(subject, move, actor)


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
        label = owners.label
        lines.append(f"    {source} --> {target}: {label}")
    for state in sorted(TERMINAL):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
