"""A ResearchProject's member list becomes roles; a spec the project model refuses grants none."""

from __future__ import annotations

from orchestrator.adapters.project_members import members_of
from orchestrator.domain.access import Role
from tests.unit.projects.examples import example


def test_each_member_holds_the_roles_the_project_lists() -> None:
    assert members_of("diabetes", example()) == {
        "alice": frozenset({Role.RESEARCHER}),
        "rita": frozenset({Role.REVIEWER}),
        "ravi": frozenset({Role.REVIEWER, Role.PROJECT_ADMIN}),
    }


def test_a_spec_that_is_not_valid_grants_nobody_anything() -> None:
    members = [{"username": "alice", "roles": ["operator"]}]
    assert members_of("diabetes", example(members=members)) == {}
    assert members_of("diabetes", example(tier=9)) == {}
