"""Who acts on a request: people with per-project roles, operators, and the airlock itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ProjectRole(StrEnum):
    """A person's role on one project, as asserted by the authentication layer."""

    RESEARCHER = "researcher"
    REVIEWER = "reviewer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person with per-project roles, an operator, or the system itself."""

    username: str
    project_roles: Mapping[str, frozenset[ProjectRole]] = field(default_factory=dict)
    operator: bool = False
    system: bool = False

    def has_role(self, project: str, role: ProjectRole) -> bool:
        return role in self.project_roles.get(project, frozenset())

    def is_member(self, project: str) -> bool:
        return bool(self.project_roles.get(project))


SYSTEM = Actor(username="system", system=True)
"""The airlock itself, for moves nobody makes by hand (checking, deciding, releasing)."""
