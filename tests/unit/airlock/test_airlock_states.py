"""The state machine tables are complete, and the gate allows exactly what they say."""

from __future__ import annotations

import itertools

import pytest

from orchestrator.domain.airlock.actors import SYSTEM, Actor
from orchestrator.domain.airlock.errors import InvalidTransition, NotPermitted
from orchestrator.domain.airlock.states import (
    IN_PROGRESS,
    INITIAL,
    OWNERS,
    TERMINAL,
    TRANSITIONS,
    Role,
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
        assert Role.SYSTEM in OWNERS[(state, State.FAILED)]
        assert OWNERS[(State.FAILED, state)] == {Role.OPERATOR}


def _request_in(state: State):  # type: ignore[no-untyped-def]
    failed_from = State.CHECKING if state is State.FAILED else None
    return make_request(state, failed_from=failed_from)


@pytest.mark.parametrize(
    ("source", "target", "actor_name"),
    [(s, t, a) for s, t in itertools.product(State, State) for a in ACTORS],
)
def test_gate_allows_a_move_only_to_its_owners(
    source: State, target: State, actor_name: str
) -> None:
    request = _request_in(source)
    actor = ACTORS[actor_name]
    roles = roles_for(request, actor)
    expected = (
        target in TRANSITIONS[source]
        and bool(roles & OWNERS[(source, target)])
        and not (source is State.FAILED and target is not State.CHECKING)
        and not ((source, target) == (State.APPROVED, State.RELEASING) and Role.REQUESTER in roles)
    )
    assert can_move(request, target, actor) is expected
    if not expected:
        with pytest.raises((InvalidTransition, NotPermitted)):
            check_move(request, target, actor)


def test_requester_holding_reviewer_role_is_never_a_reviewer_of_own_request() -> None:
    request = make_request(State.APPROVED)
    assert roles_for(request, ALICE_ALSO_REVIEWER) == {Role.REQUESTER}
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
    for (source, target), owners in OWNERS.items():
        assert f"{source} --> {target}: {', '.join(sorted(owners))}" in diagram
    for state in TERMINAL:
        assert f"{state} --> [*]" in diagram


def test_imports_go_through_the_same_gate_and_say_so() -> None:
    from orchestrator.domain.airlock.model import Direction

    request = make_request(State.APPROVED, direction=Direction.IMPORT)
    with pytest.raises(NotPermitted, match="you requested this import, so you cannot release it"):
        check_move(request, State.RELEASING, ALICE_ALSO_REVIEWER)
    assert can_move(request, State.RELEASING, RITA)
