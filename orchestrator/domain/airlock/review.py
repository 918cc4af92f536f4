"""Review rules: who may see, review and download what, and how votes become a decision.

``check_*`` raise :class:`NotPermitted` / :class:`InvalidInput` with a reason a person
can read; ``can_*`` return a bool for the user interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from orchestrator.domain.access import PERMISSIONS, Action, Actor, Role, roles_text
from orchestrator.domain.airlock.errors import AirlockError, InvalidInput, NotPermitted
from orchestrator.domain.airlock.model import Decision, Request, Vote
from orchestrator.domain.airlock.states import EDITABLE, State

MIN_APPROVALS = 1
MAX_APPROVALS = 9
DEFAULT_APPROVALS = 2

QUARANTINE_VISIBLE: frozenset[State] = frozenset(
    {
        State.CHECKING,
        State.BLOCKED,
        State.IN_REVIEW,
        State.CHANGES_REQUESTED,
        State.APPROVED,
        State.REJECTED,
        State.RELEASING,
        State.RELEASED,
    }
)
"""States in which reviewers may open the quarantined files."""


def _bool(check: Callable[[], None]) -> bool:
    try:
        check()
    except AirlockError:
        return False
    return True


def check_required_approvals(count: int) -> None:
    """A project's approval count must be a small positive number."""
    if not MIN_APPROVALS <= count <= MAX_APPROVALS:
        raise InvalidInput(
            f"required approvals must be between {MIN_APPROVALS} and {MAX_APPROVALS}, not {count}"
        )


def check_holds(actor: Actor, action: Action, project: str) -> None:
    """The actor holds one of the roles the permission table asks for ``action``."""
    permission = PERMISSIONS[action]
    if not actor.roles_in(project) & permission.roles:
        raise NotPermitted(
            f"only someone holding {roles_text(permission.roles)} can {permission.describe}"
            f" on project {project}"
        )


def check_can_create(actor: Actor, project: str) -> None:
    """Only researchers (or admins) of a project open requests in it."""
    if not actor.roles_in(project) & PERMISSIONS[Action.CREATE_REQUEST].roles:
        raise NotPermitted(
            f"you are not a researcher on project {project}, so you cannot open requests in it"
        )


def check_can_view(request: Request, actor: Actor) -> None:
    """Project members, the project's reviewers and operators may see a request."""
    if actor.system or actor.operator or actor.is_member(request.project):
        return
    raise NotPermitted(f"you are not a member of project {request.project}")


def can_view(request: Request, actor: Actor) -> bool:
    return _bool(lambda: check_can_view(request, actor))


def check_can_edit(request: Request, actor: Actor) -> None:
    """Only the requester edits files, context and controls, and only before or between reviews."""
    if actor.username != request.requester:
        raise NotPermitted(f"only the requester ({request.requester}) can change this request")
    check_holds(actor, Action.ADD_FILE, request.project)
    if request.state not in EDITABLE:
        raise NotPermitted(
            f"this request is {request.state}; files can only be changed while it is "
            "a draft, blocked or has changes requested"
        )


def can_edit(request: Request, actor: Actor) -> bool:
    return _bool(lambda: check_can_edit(request, actor))


def check_is_independent_reviewer(request: Request, actor: Actor) -> None:
    """A reviewer holds the reviewer role on the project and did not make the request."""
    if actor.username == request.requester:
        raise NotPermitted(f"you requested this {request.direction}, so you cannot review it")
    if not actor.has_role(request.project, Role.REVIEWER):
        raise NotPermitted(
            f"you are not a reviewer on project {request.project}, so you cannot review its requests"
        )


def check_can_review(request: Request, actor: Actor, votes: Iterable[Vote]) -> None:
    """The actor may cast a vote on the current version now."""
    check_is_independent_reviewer(request, actor)
    if request.state is not State.IN_REVIEW:
        raise NotPermitted(f"this request is {request.state}, not in review")
    current = [v for v in votes if v.version == request.version]
    if any(v.reviewer == actor.username for v in current):
        raise NotPermitted(f"you have already decided on version {request.version}")
    if len(current) >= request.required_approvals:
        raise NotPermitted("this version already has every vote it needs")


def can_review(request: Request, actor: Actor, votes: Iterable[Vote]) -> bool:
    return _bool(lambda: check_can_review(request, actor, list(votes)))


def check_vote(
    request: Request, decision: Decision, comment: str, acknowledged: frozenset[str]
) -> None:
    """The content of a vote is complete: comments, acknowledgements, no block override."""
    if decision is Decision.REQUEST_CHANGES and not comment.strip():
        raise InvalidInput("say what should change: requesting changes needs a comment")
    if decision is not Decision.APPROVE:
        return
    if request.has_block_finding:
        raise NotPermitted(
            "this request has a finding that blocks release; a block cannot be overridden, "
            "so it cannot be approved"
        )
    expected = request.review_finding_keys
    unknown = acknowledged - expected
    if unknown:
        raise InvalidInput(
            f"acknowledged findings {sorted(unknown)} are not findings of version "
            f"{request.version}; reload the request and acknowledge what it shows"
        )
    missing = expected - acknowledged
    if missing:
        raise InvalidInput(
            f"approve only after acknowledging every finding marked for review; "
            f"not yet acknowledged: {sorted(missing)}"
        )


def votes_complete(request: Request, votes: Iterable[Vote]) -> bool:
    """Whether every required vote on the current version is in."""
    return sum(1 for v in votes if v.version == request.version) >= request.required_approvals


def visible_votes(request: Request, actor: Actor, votes: Iterable[Vote]) -> tuple[Vote, ...]:
    """The votes ``actor`` may see: reviewers see only their own until all are in.

    Once all required votes on a version are in (or the version is no longer in
    review), every vote on it is visible to those who may view the request.
    """
    check_can_view(request, actor)
    all_votes = tuple(votes)
    if actor.operator or actor.system:
        return all_votes
    shown: list[Vote] = []
    for vote in all_votes:
        open_version = vote.version == request.version and request.state is State.IN_REVIEW
        if not open_version or vote.reviewer == actor.username:
            shown.append(vote)
    return tuple(shown)


def decide(request: Request, votes: Iterable[Vote]) -> State | None:
    """The state the votes on the current version lead to, or None while votes are missing.

    Every required vote must be in; any rejection rejects, otherwise any request for
    changes asks for changes, otherwise the request is approved.
    """
    current = [v for v in votes if v.version == request.version]
    if len(current) < request.required_approvals:
        return None
    decisions = {v.decision for v in current}
    if Decision.REJECT in decisions:
        return State.REJECTED
    if Decision.REQUEST_CHANGES in decisions:
        return State.CHANGES_REQUESTED
    return State.APPROVED


def check_can_open_quarantined(request: Request, actor: Actor) -> None:
    """Reviewers may open quarantined files; the requester never may."""
    if actor.username == request.requester:
        raise NotPermitted(
            f"you requested this {request.direction}, so you cannot download its quarantined files"
        )
    if not actor.has_role(request.project, Role.REVIEWER):
        raise NotPermitted(
            f"only reviewers on project {request.project} can open quarantined files"
        )
    if request.state not in QUARANTINE_VISIBLE:
        raise NotPermitted(f"this request is {request.state}; its files are not open for review")


def can_open_quarantined(request: Request, actor: Actor) -> bool:
    return _bool(lambda: check_can_open_quarantined(request, actor))


def check_can_download_released(request: Request, actor: Actor) -> None:
    """Released files go to the project's researchers and admins, nobody else."""
    if request.state is not State.RELEASED:
        raise NotPermitted(
            f"this request is {request.state}; only released files can be downloaded"
        )
    if actor.roles_in(request.project) & PERMISSIONS[Action.DOWNLOAD].roles:
        return
    raise NotPermitted(
        f"released files of project {request.project} go to its researchers; you are not one"
    )


def can_download_released(request: Request, actor: Actor) -> bool:
    return _bool(lambda: check_can_download_released(request, actor))
