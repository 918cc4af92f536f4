"""The state machine tables are complete, and the gate allows exactly what they say."""

from __future__ import annotations

import itertools

import pytest

from orchestrator.domain.access import SYSTEM, Action, Actor, Role
from orchestrator.domain.airlock.errors import InvalidTransition, NotPermitted
from orchestrator.domain.airlock.states import (
    IN_PROGRESS,
    INITIAL,
    OWNERS,
    TERMINAL,
    TRANSITIONS,
    State,
    can_move,
    check_move,
    mermaid_diagram,
    roles_for,
)
from tests.unit.airlock.factories import (
    ALICE,
    ALICE_ALSO_REVIEWER,
    BEN,
    OTTO,
    OUTSIDER,
    RITA,
    make_request,
)

ACTORS: dict[str, Actor] = {
    "requester": ALICE,
    "requester-who-also-reviews": ALICE_ALSO_REVIEWER,
    "other-researcher": BEN,
    "reviewer": RITA,
    "reviewer-of-other-project": OUTSIDER,
    "operator": OTTO,
    "system": SYSTEM,
}


def test_every_state_is_reachable_from_draft() -> None:
    seen = {INITIAL}
    frontier = [INITIAL]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(State)


def test_terminal_states_are_exactly_the_final_outcomes_and_have_no_exits() -> None:
    assert {State.REJECTED, State.REVOKED, State.WITHDRAWN} == TERMINAL
    for state in TERMINAL:
        assert not TRANSITIONS[state]


def test_every_transition_has_an_owner() -> None:
    for state, targets in TRANSITIONS.items():
        for target in targets:
            assert OWNERS[(state, target)], (state, target)
    assert set(OWNERS) == {(s, t) for s, ts in TRANSITIONS.items() for t in ts}


def test_every_non_terminal_state_leads_to_a_terminal_or_resting_state() -> None:
    for state in set(State) - TERMINAL:
        assert TRANSITIONS[state], f"{state} has no exit but is not terminal"


def test_every_in_progress_state_can_fail_and_be_retried_by_an_operator() -> None:
    for state in IN_PROGRESS:
        assert OWNERS[(state, State.FAILED)].airlock
        assert OWNERS[(state, State.FAILED)].action is Action.MARK_FAILED
        assert OWNERS[(State.FAILED, state)].action is Action.RETRY
        assert not OWNERS[(State.FAILED, state)].airlock


def _request_in(state: State):  # type: ignore[no-untyped-def]
    failed_from = State.CHECKING if state is State.FAILED else None
    return make_request(state, failed_from=failed_from)


BOTH_REQUESTERS = ("requester", "requester-who-also-reviews")

ALLOWED: dict[tuple[State, State], tuple[str, ...]] = {
    (State.DRAFT, State.SUBMITTED): BOTH_REQUESTERS,
    (State.DRAFT, State.WITHDRAWN): BOTH_REQUESTERS,
    (State.SUBMITTED, State.CHECKING): ("system",),
    (State.SUBMITTED, State.FAILED): ("operator", "system"),
    (State.CHECKING, State.BLOCKED): ("system",),
    (State.CHECKING, State.IN_REVIEW): ("system",),
    (State.CHECKING, State.FAILED): ("operator", "system"),
    (State.BLOCKED, State.SUBMITTED): BOTH_REQUESTERS,
    (State.BLOCKED, State.WITHDRAWN): BOTH_REQUESTERS,
    (State.IN_REVIEW, State.CHANGES_REQUESTED): ("system",),
    (State.IN_REVIEW, State.APPROVED): ("system",),
    (State.IN_REVIEW, State.REJECTED): ("system",),
    (State.CHANGES_REQUESTED, State.SUBMITTED): BOTH_REQUESTERS,
    (State.CHANGES_REQUESTED, State.WITHDRAWN): BOTH_REQUESTERS,
    (State.APPROVED, State.RELEASING): ("operator", "reviewer"),
    (State.RELEASING, State.RELEASED): ("system",),
    (State.RELEASING, State.FAILED): ("operator", "system"),
    (State.RELEASED, State.REVOKED): ("operator", "reviewer"),
    (State.FAILED, State.CHECKING): ("operator",),
}
"""Every (move, actor) the gate lets through, for a request that failed while checking."""


@pytest.mark.parametrize(
    ("source", "target", "actor_name"),
    [(s, t, a) for s, t in itertools.product(State, State) for a in ACTORS],
)
def test_gate_allows_a_move_only_to_its_owners(
    source: State, target: State, actor_name: str
) -> None:
    request = _request_in(source)
    actor = ACTORS[actor_name]
    expected = actor_name in ALLOWED.get((source, target), ())
    assert can_move(request, target, actor) is expected
    if not expected:
        with pytest.raises((InvalidTransition, NotPermitted)):
            check_move(request, target, actor)


def test_a_requester_removed_from_the_project_can_no_longer_submit() -> None:
    removed = Actor("alice", {})
    with pytest.raises(NotPermitted, match="submit needs one of the roles project admin"):
        check_move(make_request(State.DRAFT), State.SUBMITTED, removed)


def test_a_project_admin_cannot_release_because_the_table_says_so() -> None:
    adam = Actor("adam", {"genomics": frozenset({Role.PROJECT_ADMIN})})
    with pytest.raises(
        NotPermitted, match="release needs one of the roles operator, reviewer on project genomics"
    ):
        check_move(make_request(State.APPROVED), State.RELEASING, adam)


def test_requester_holding_reviewer_role_is_never_a_reviewer_of_own_request() -> None:
    request = make_request(State.APPROVED)
    assert roles_for(request, ALICE_ALSO_REVIEWER) == {Role.RESEARCHER}
    with pytest.raises(NotPermitted, match="you requested this export, so you cannot release it"):
        check_move(request, State.RELEASING, ALICE_ALSO_REVIEWER)


def test_operator_who_requested_cannot_release_own_request() -> None:
    operator_requester = Actor("alice", operator=True)
    with pytest.raises(NotPermitted, match="you requested this export"):
        check_move(make_request(State.APPROVED), State.RELEASING, operator_requester)


def test_other_researcher_cannot_submit_someone_elses_request() -> None:
    with pytest.raises(NotPermitted, match=r"only the requester \(alice\) can submit"):
        check_move(make_request(State.DRAFT), State.SUBMITTED, BEN)


def test_terminal_state_refusal_says_it_is_final() -> None:
    with pytest.raises(InvalidTransition, match="withdrawn, which is final"):
        check_move(make_request(State.WITHDRAWN), State.SUBMITTED, ALICE)


def test_retry_resumes_only_where_the_request_failed() -> None:
    request = make_request(State.FAILED, failed_from=State.RELEASING)
    assert can_move(request, State.RELEASING, OTTO)
    with pytest.raises(InvalidTransition, match="failed while releasing"):
        check_move(request, State.SUBMITTED, OTTO)


def test_diagram_shows_every_transition_and_its_owners() -> None:
    diagram = mermaid_diagram()
    assert "    approved --> releasing: operator, reviewer (not the requester)\n" in diagram
    assert "    released --> revoked: operator, reviewer\n" in diagram
    assert "    submitted --> failed: operator, airlock\n" in diagram
    assert "    draft --> submitted: project_admin, researcher (requester only)\n" in diagram
    assert len(diagram.splitlines()) == 2 + len(OWNERS) + len(TERMINAL)
    for state in TERMINAL:
        assert f"{state} --> [*]" in diagram


def test_imports_go_through_the_same_gate_and_say_so() -> None:
    from orchestrator.domain.airlock.model import Direction

    request = make_request(State.APPROVED, direction=Direction.IMPORT)
    with pytest.raises(NotPermitted, match="you requested this import, so you cannot release it"):
        check_move(request, State.RELEASING, ALICE_ALSO_REVIEWER)
    assert can_move(request, State.RELEASING, RITA)
