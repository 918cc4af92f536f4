"""There is one role enumeration in the code, and everything about roles reads it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import orchestrator
from orchestrator.domain.projects.spec import InvalidProjectSpec, parse_project
from tests.unit.projects.examples import example

ROLE_WORDS = {"researcher", "reviewer", "project_admin", "admin", "operator", "requester"}
PACKAGE = Path(orchestrator.__file__).parent


def _enums_naming_roles() -> set[str]:
    """Every enumeration class whose name says "Role" or whose values name a role."""
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            }
            if not bases & {"Enum", "StrEnum", "IntEnum", "Flag"}:
                continue
            values = {
                stmt.value.value
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            }
            if "role" in node.name.lower() or values & ROLE_WORDS:
                module = path.relative_to(PACKAGE.parent).with_suffix("").as_posix()
                found.add(f"{module.replace('/', '.')}.{node.name}")
    return found


def test_there_is_exactly_one_role_enumeration() -> None:
    assert _enums_naming_roles() == {"orchestrator.domain.access.Role"}


def test_the_role_enumeration_has_the_four_roles() -> None:
    from orchestrator.domain.access import Role

    assert [role.value for role in Role] == [
        "researcher",
        "reviewer",
        "project_admin",
        "operator",
    ]


def test_a_project_member_list_cannot_grant_the_operator_role() -> None:
    members = [{"username": "alice", "roles": ["operator"]}]
    with pytest.raises(InvalidProjectSpec) as caught:
        parse_project("diabetes", example(members=members))
    assert any(p.startswith("spec.members[0].roles") for p in caught.value.problems), (
        caught.value.problems
    )
