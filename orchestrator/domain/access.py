"""Who may do what in the airlock: roles, principals, and the one gate that checks them.

Every route names the :class:`Action` it performs; :func:`check_allowed` is the only
place that decides whether a principal may perform it on a project, and it refuses
with a sentence a person can act on. Finer rules that depend on the request itself
(the requester may not review their own export, votes stay hidden) belong to the
airlock's review rules, not here: this gate answers "does this person hold a role that
could ever do this here?".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """A role held on one project."""

    RESEARCHER = "researcher"
    REVIEWER = "reviewer"
    PROJECT_ADMIN = "project_admin"


class Action(StrEnum):
    """Everything the airlock API lets someone do."""

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
    VERIFY_AUDIT = "verify_audit"


@dataclass(frozen=True)
class Permission:
    """Who may perform one action: roles on the request's project, and/or the operator."""

    roles: frozenset[Role]
    operator: bool = False
    describe: str = ""


def _p(*roles: Role, operator: bool = False, describe: str) -> Permission:
    return Permission(frozenset(roles), operator, describe)


R, V, A = Role.RESEARCHER, Role.REVIEWER, Role.PROJECT_ADMIN

PERMISSIONS: Mapping[Action, Permission] = {
    Action.CREATE_REQUEST: _p(R, A, describe="create an airlock request"),
    Action.ADD_FILE: _p(R, A, describe="add files to a request"),
    Action.SUBMIT: _p(R, A, describe="submit a request"),
    Action.VIEW_REQUEST: _p(R, V, A, operator=True, describe="see this request"),
    Action.LIST_REQUESTS: _p(R, V, A, operator=True, describe="list this project's requests"),
    Action.REVIEW_VIEW: _p(V, describe="open the reviewer view"),
    Action.DECIDE: _p(V, describe="record a review decision"),
    Action.NEW_VERSION: _p(R, A, describe="start a new version"),
    Action.WITHDRAW: _p(R, A, describe="withdraw a request"),
    Action.RELEASE: _p(V, operator=True, describe="release an approved request"),
    Action.DOWNLOAD: _p(R, A, describe="download released files"),
    Action.REVOKE: _p(V, operator=True, describe="revoke a release"),
    Action.RETRY: _p(operator=True, describe="retry a failed request"),
    Action.VERIFY_AUDIT: _p(operator=True, describe="verify the audit log"),
}
"""Which project roles (and whether the global operator) may perform each action.

Rules that depend on the request (only its requester edits it, never reviews it)
are enforced by the airlock's own state machine and review rules on top of this.
"""


class AuthenticationFailed(Exception):
    """The caller could not be identified. The message says why and what to do."""


class AccessDenied(Exception):
    """The caller is known but may not do this. The message is the reason, for people."""


@dataclass(frozen=True)
class Grants:
    """The roles one person holds: per project, plus the global operator role."""

    projects: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    operator: bool = False


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    ``via`` names how they proved who they are (``oidc`` or ``jupyterhub``).
    ``confined_to`` is set for a JupyterHub token: that token was issued by one
    project's hub, so it acts only on that project, and only as a researcher there.
    """

    username: str
    via: str
    grants: Grants
    confined_to: str | None = None

    def roles_in(self, project: str) -> frozenset[Role]:
        if self.confined_to is not None:
            if project != self.confined_to:
                return frozenset()
            return frozenset({Role.RESEARCHER})
        return self.grants.projects.get(project, frozenset())

    @property
    def is_operator(self) -> bool:
        return self.grants.operator and self.confined_to is None

    def visible_projects(self) -> frozenset[str] | None:
        """The projects whose requests this caller may list; ``None`` means all of them."""
        if self.is_operator:
            return None
        if self.confined_to is not None:
            return frozenset({self.confined_to})
        return frozenset(p for p, roles in self.grants.projects.items() if roles)


def _needed(permission: Permission) -> str:
    names = [role.value.replace("_", " ") for role in sorted(permission.roles)]
    if permission.operator:
        names.append("operator")
    if len(names) == 1:
        return f"the {names[0]} role"
    return "one of the roles " + ", ".join(names)


def _held(principal: Principal, project: str | None) -> str:
    if project is None:
        return "you are not an operator"
    held = sorted(role.value.replace("_", " ") for role in principal.roles_in(project))
    return f"you hold {', '.join(held)} there" if held else "you hold no role there"


def check_allowed(principal: Principal, action: Action, project: str | None) -> None:
    """Raise :class:`AccessDenied` unless ``principal`` may perform ``action`` on ``project``.

    ``project`` is ``None`` for actions that are not about one project (verifying the
    audit log); then only the operator permission counts.
    """
    permission = PERMISSIONS[action]
    if action is Action.LIST_REQUESTS and project is None:
        return  # listing across projects: the result is filtered to visible_projects()
    if permission.operator and principal.is_operator:
        return
    if project is not None and principal.roles_in(project) & permission.roles:
        return
    if principal.confined_to is not None:
        if project is not None and project != principal.confined_to:
            raise AccessDenied(
                f"{principal.username}, your workspace token comes from the workspace hub of "
                f"project '{principal.confined_to}', so it can only act on that project, "
                f"not on '{project}'."
            )
        raise AccessDenied(
            f"{principal.username} may not {permission.describe} with a workspace token: it "
            f"needs {_needed(permission)}, and a workspace token only acts as a researcher. "
            "Sign in with your identity provider instead."
        )
    where = f" on project '{project}'" if project is not None else ""
    raise AccessDenied(
        f"{principal.username} may not {permission.describe}{where}: it needs "
        f"{_needed(permission)}, and {_held(principal, project)}. "
        "Ask a project admin or an operator if you should have it."
    )


def can(principal: Principal, action: Action, project: str | None) -> bool:
    """``True`` when :func:`check_allowed` would let the principal through (for buttons)."""
    try:
        check_allowed(principal, action, project)
    except AccessDenied:
        return False
    return True


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
