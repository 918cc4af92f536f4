"""The one role gate: who may do what, and refusals a person can act on."""

from __future__ import annotations

import pytest

from orchestrator.domain.access import (
    PERMISSIONS,
    AccessDenied,
    Action,
    Actor,
    Grants,
    Role,
    StaticRoleSource,
    actor_for,
    can_perform,
    check_allowed,
)

R, V, A = Role.RESEARCHER, Role.REVIEWER, Role.PROJECT_ADMIN


def person(name: str, roles: dict[str, set[Role]], operator: bool = False) -> Actor:
    grants = Grants({p: frozenset(r) for p, r in roles.items()}, operator=operator)
    return actor_for(name, "oidc", grants)


def test_every_action_has_a_permission() -> None:
    assert set(PERMISSIONS) == set(Action)


def test_project_admins_cannot_release_or_revoke_and_reviewers_can() -> None:
    adam = person("adam", {"genomics": {A}})
    rita = person("rita", {"genomics": {V}})
    for action in (Action.RELEASE, Action.REVOKE):
        assert not can_perform(adam, action, "genomics")
        assert can_perform(rita, action, "genomics")


def test_the_permission_table_says_who_may_do_each_action() -> None:
    table = {
        action.value: (sorted(p.roles), p.requester.value) for action, p in PERMISSIONS.items()
    }
    assert table == {
        "create_request": (["project_admin", "researcher"], "any"),
        "add_file": (["project_admin", "researcher"], "only"),
        "submit": (["project_admin", "researcher"], "only"),
        "view_request": (["operator", "project_admin", "researcher", "reviewer"], "any"),
        "list_requests": (["operator", "project_admin", "researcher", "reviewer"], "any"),
        "review_view": (["reviewer"], "never"),
        "decide": (["reviewer"], "never"),
        "new_version": (["project_admin", "researcher"], "only"),
        "withdraw": (["project_admin", "researcher"], "only"),
        "release": (["operator", "reviewer"], "never"),
        "download": (["project_admin", "researcher"], "any"),
        "revoke": (["operator", "reviewer"], "any"),
        "retry": (["operator"], "any"),
        "mark_failed": (["operator"], "any"),
        "set_required_approvals": (["operator"], "any"),
        "verify_audit": (["operator"], "any"),
    }


def test_researcher_may_submit_in_own_project_only() -> None:
    alice = person("alice", {"genomics": {R}})
    check_allowed(alice, Action.SUBMIT, "genomics")
    with pytest.raises(AccessDenied, match=r"alice may not submit a request on project 'cancer'"):
        check_allowed(alice, Action.SUBMIT, "cancer")


def test_refusal_names_the_role_needed_and_the_roles_held() -> None:
    rita = person("rita", {"genomics": {V}})
    with pytest.raises(AccessDenied) as refused:
        check_allowed(rita, Action.CREATE_REQUEST, "genomics")
    message = str(refused.value)
    assert "needs one of the roles project admin, researcher" in message, message
    assert "you hold reviewer there" in message


def test_reviewer_decides_but_researcher_does_not() -> None:
    rita = person("rita", {"genomics": {V}})
    alice = person("alice", {"genomics": {R}})
    assert can_perform(rita, Action.DECIDE, "genomics")
    assert not can_perform(alice, Action.DECIDE, "genomics")


def test_operator_verifies_audit_and_nobody_else() -> None:
    otto = person("otto", {}, operator=True)
    admin = person("adam", {"genomics": {A}})
    check_allowed(otto, Action.VERIFY_AUDIT, None)
    with pytest.raises(AccessDenied, match="you are not an operator"):
        check_allowed(admin, Action.VERIFY_AUDIT, None)


def test_operator_holds_no_project_role_by_default() -> None:
    otto = person("otto", {}, operator=True)
    assert can_perform(otto, Action.RELEASE, "genomics")
    assert not can_perform(otto, Action.SUBMIT, "genomics")
    assert not can_perform(otto, Action.DECIDE, "genomics")


def test_workspace_token_is_confined_to_its_project_and_the_researcher_role() -> None:
    grants = Grants({"genomics": frozenset({R, V}), "cancer": frozenset({R})}, operator=True)
    ben = actor_for("ben", "jupyterhub", grants, confined_to="genomics")
    assert can_perform(ben, Action.SUBMIT, "genomics")
    assert not can_perform(ben, Action.DECIDE, "genomics")
    assert not can_perform(ben, Action.VERIFY_AUDIT, None)
    with pytest.raises(AccessDenied, match="workspace hub of project 'genomics'"):
        check_allowed(ben, Action.SUBMIT, "cancer")
    assert ben.visible_projects() == frozenset({"genomics"})


def test_listing_without_a_project_is_open_and_filtered() -> None:
    alice = person("alice", {"genomics": {R}, "cancer": set()})
    check_allowed(alice, Action.LIST_REQUESTS, None)
    assert alice.visible_projects() == frozenset({"genomics"})
    assert person("otto", {}, operator=True).visible_projects() is None


async def test_static_role_source_reads_members_and_operators() -> None:
    source = StaticRoleSource(
        {"genomics": {R: frozenset({"alice"}), V: frozenset({"rita", "alice"})}},
        operators=frozenset({"otto"}),
    )
    alice = await source.grants_for("alice")
    assert alice.projects == {"genomics": frozenset({R, V})}
    assert not alice.operator
    assert (await source.grants_for("otto")).operator
    assert await source.members("genomics", V) == frozenset({"rita", "alice"})
    assert await source.members("unknown", V) == frozenset()
