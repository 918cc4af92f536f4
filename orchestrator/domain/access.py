"""Who may do what: the one role enumeration, the one caller type, the permission table.

A person holds :class:`Role` values: ``researcher``, ``reviewer`` and ``project_admin``
on a project (from its member list), and ``operator`` across the platform. Every
route and every airlock move names the :class:`Action` it performs; ``PERMISSIONS``
says, as data, which roles may perform each action and how the action relates to
the person who made the request. :func:`check_allowed` is the gate at the API edge
and refuses with a sentence a person can act on; the airlock's state machine
(:mod:`orchestrator.domain.airlock.states`) reads the same table to decide who may
move a request. The permission table in the docs is generated from ``PERMISSIONS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol, get_args


class Role(StrEnum):
    """A role a person holds: on one project, or (``operator``) across the platform."""

    RESEARCHER = "researcher"
    REVIEWER = "reviewer"
    PROJECT_ADMIN = "project_admin"
    OPERATOR = "operator"

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


ProjectRole = Literal["researcher", "reviewer", "project_admin"]
"""The values of :class:`Role` a ResearchProject's member list can grant."""

PROJECT_ROLES: frozenset[Role] = frozenset(Role(value) for value in get_args(ProjectRole))
"""The same roles as a set; ``operator`` is platform-wide and no member list grants it."""


class Action(StrEnum):
    """Everything a person can do in the airlock."""

    CREATE_REQUEST = "create_request"
    ADD_FILE = "add_file"
    SUBMIT = "submit"
    VIEW_REQUEST = "view_request"
    LIST_REQUESTS = "list_requests"
    REVIEW_VIEW = "review_view"
    DECIDE = "decide"
    NEW_VERSION = "new_version"
    WITHDRAW = "withdraw"
    RELEASE = "release"
    DOWNLOAD = "download"
    REVOKE = "revoke"
    RETRY = "retry"
    MARK_FAILED = "mark_failed"
    SET_REQUIRED_APPROVALS = "set_required_approvals"
    VERIFY_AUDIT = "verify_audit"


class Requester(StrEnum):
    """How an action on one request relates to the person who made that request."""

    ANY = "any"
    """Anyone holding one of the roles, the requester included."""
    ONLY = "only"
    """Only the person who made the request (and who still holds one of the roles)."""
    NEVER = "never"
    """Never the person who made the request, whatever roles they hold."""


@dataclass(frozen=True)
class Permission:
    """Who may perform one action."""

    roles: frozenset[Role]
    describe: str
    requester: Requester = Requester.ANY


def _p(*roles: Role, describe: str, requester: Requester = Requester.ANY) -> Permission:
    return Permission(frozenset(roles), describe, requester)


R, V, A, OP = Role.RESEARCHER, Role.REVIEWER, Role.PROJECT_ADMIN, Role.OPERATOR
ONLY, NEVER = Requester.ONLY, Requester.NEVER

PERMISSIONS: Mapping[Action, Permission] = {
    Action.CREATE_REQUEST: _p(R, A, describe="create an airlock request"),
    Action.ADD_FILE: _p(R, A, describe="add files to a request", requester=ONLY),
    Action.SUBMIT: _p(R, A, describe="submit a request", requester=ONLY),
    Action.VIEW_REQUEST: _p(R, V, A, OP, describe="see this request"),
    Action.LIST_REQUESTS: _p(R, V, A, OP, describe="list this project's requests"),
    Action.REVIEW_VIEW: _p(V, describe="open the reviewer view", requester=NEVER),
    Action.DECIDE: _p(V, describe="record a review decision", requester=NEVER),
    Action.NEW_VERSION: _p(R, A, describe="start a new version", requester=ONLY),
    Action.WITHDRAW: _p(R, A, describe="withdraw a request", requester=ONLY),
    Action.RELEASE: _p(V, OP, describe="release an approved request", requester=NEVER),
    Action.DOWNLOAD: _p(R, A, describe="download released files"),
    Action.REVOKE: _p(V, OP, describe="revoke a release"),
    Action.RETRY: _p(OP, describe="retry a failed request"),
    Action.MARK_FAILED: _p(OP, describe="mark a request as failed"),
    Action.SET_REQUIRED_APPROVALS: _p(OP, describe="change how many approvals a project needs"),
    Action.VERIFY_AUDIT: _p(OP, describe="verify the audit log"),
}
"""Which roles may perform each action, and how it relates to the requester.

One rule holds for every action: a person never acts as a *reviewer* on a request
they made, even when they hold the reviewer role on its project.
"""


class AuthenticationFailed(Exception):
    """The caller could not be identified. The message says why and what to do."""


class AccessDenied(Exception):
    """The caller is known but may not do this. The message is the reason, for people."""


@dataclass(frozen=True)
class Grants:
    """The roles one person holds: per project, plus the platform-wide operator role."""

    projects: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    operator: bool = False


@dataclass(frozen=True)
class Actor:
    """Whoever acts: an authenticated person, or the airlock itself (``system``).

    ``project_roles`` holds the project roles the person has right now; ``operator``
    the platform role. ``via`` names how they proved who they are (``oidc``,
    ``jupyterhub`` or ``system``). ``confined_to`` is set for a workspace (JupyterHub)
    token: that token was issued by one project's hub, so it acts on that project only.
    """

    username: str
    project_roles: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    operator: bool = False
    system: bool = False
    via: str = "oidc"
    confined_to: str | None = None

    def roles_in(self, project: str) -> frozenset[Role]:
        """The roles held towards ``project``, the platform-wide operator role included."""
        roles = self.project_roles.get(project, frozenset())
        return (roles | {Role.OPERATOR}) if self.operator else roles

    def has_role(self, project: str, role: Role) -> bool:
        return role in self.roles_in(project)

    def is_member(self, project: str) -> bool:
        return bool(self.project_roles.get(project))

    def visible_projects(self) -> frozenset[str] | None:
        """The projects whose requests this caller may list; ``None`` means all of them."""
        if self.operator or self.system:
            return None
        return frozenset(p for p, roles in self.project_roles.items() if roles)


SYSTEM = Actor(username="system", system=True, via="system")
"""The airlock itself, for moves nobody makes by hand (checking, deciding, releasing)."""


def actor_for(username: str, via: str, grants: Grants, confined_to: str | None = None) -> Actor:
    """The actor for an authenticated person.

    A workspace token (``confined_to``) acts only on its own project, and there only as
    a researcher, and only if the project lists its holder as one; never as an operator.
    """
    if confined_to is None:
        return Actor(username, dict(grants.projects), operator=grants.operator, via=via)
    roles = grants.projects.get(confined_to, frozenset()) & {Role.RESEARCHER}
    return Actor(username, {confined_to: roles} if roles else {}, via=via, confined_to=confined_to)


def roles_text(roles: frozenset[Role]) -> str:
    """``the reviewer role`` / ``one of the roles operator, reviewer``."""
    names = sorted(role.words for role in roles)
    if len(names) == 1:
        return f"the {names[0]} role"
    return "one of the roles " + ", ".join(names)


def _held(actor: Actor, project: str | None) -> str:
    if project is None:
        return "you are not an operator"
    held = sorted(role.words for role in actor.roles_in(project))
    return f"you hold {', '.join(held)} there" if held else "you hold no role there"


def check_allowed(actor: Actor, action: Action, project: str | None) -> None:
    """Raise :class:`AccessDenied` unless ``actor`` may perform ``action`` on ``project``.

    ``project`` is ``None`` for actions that are not about one project (verifying the
    audit log); then only the operator role counts.
    """
    permission = PERMISSIONS[action]
    if action is Action.LIST_REQUESTS and project is None:
        return  # listing across projects: the result is filtered to Actor.visible_projects()
    if project is None:
        held = frozenset({Role.OPERATOR}) if actor.operator else frozenset()
    else:
        held = actor.roles_in(project)
    if held & permission.roles:
        return
    if actor.confined_to is not None:
        if project is not None and project != actor.confined_to:
            raise AccessDenied(
                f"{actor.username}, your workspace token comes from the workspace hub of "
                f"project '{actor.confined_to}', so it can only act on that project, "
                f"not on '{project}'."
            )
        if not actor.project_roles:
            raise AccessDenied(
                f"{actor.username}, your workspace token comes from the workspace hub of "
                f"project '{actor.confined_to}', but that project does not list you as a "
                "researcher, so the token grants nothing. Ask the project's admin to add you."
            )
        raise AccessDenied(
            f"{actor.username} may not {permission.describe} with a workspace token: it "
            f"needs {roles_text(permission.roles)}, and a workspace token only acts as a "
            "researcher. Sign in with your identity provider instead."
        )
    where = f" on project '{project}'" if project is not None else ""
    raise AccessDenied(
        f"{actor.username} may not {permission.describe}{where}: it needs "
        f"{roles_text(permission.roles)}, and {_held(actor, project)}. "
        "Ask a project admin or an operator if you should have it."
    )


def can_perform(actor: Actor, action: Action, project: str | None) -> bool:
    """``True`` when :func:`check_allowed` would let the actor through (for buttons)."""
    try:
        check_allowed(actor, action, project)
    except AccessDenied:
        return False
    return True


def render_permission_table() -> str:
    """The permission table as Markdown, for the reference docs."""
    roles = list(Role)
    header = "| Action | " + " | ".join(role.words for role in roles) + " | On a request |"
    rule = "|---|" + "---|" * len(roles) + "---|"
    relation = {
        Requester.ANY: "",
        Requester.ONLY: "only the requester",
        Requester.NEVER: "never the requester",
    }
    rows = [
        f"| {permission.describe} (`{action}`) | "
        + " | ".join("yes" if role in permission.roles else "" for role in roles)
        + f" | {relation[permission.requester]} |"
        for action, permission in PERMISSIONS.items()
    ]
    return "\n".join([header, rule, *rows]) + "\n"


class RoleSource(Protocol):
    """Where roles come from: configuration today, a project's member list tomorrow."""

    async def grants_for(self, username: str) -> Grants: ...

    async def members(self, project: str, role: Role) -> frozenset[str]: ...


@dataclass(frozen=True)
class StaticRoleSource:
    """Roles written in configuration: ``{project: {role: [usernames]}}`` plus operators."""

    project_members: Mapping[str, Mapping[Role, frozenset[str]]]
    operators: frozenset[str] = frozenset()

    async def grants_for(self, username: str) -> Grants:
        projects: dict[str, frozenset[Role]] = {}
        for project, members in self.project_members.items():
            roles = frozenset(role for role, names in members.items() if username in names)
            if roles:
                projects[project] = roles
        return Grants(projects=projects, operator=username in self.operators)

    async def members(self, project: str, role: Role) -> frozenset[str]:
        return self.project_members.get(project, {}).get(role, frozenset())
