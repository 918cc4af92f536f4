"""Review rules: independence, hidden votes, comments, acknowledgements, no block override."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.errors import InvalidInput, NotPermitted
from orchestrator.domain.airlock.model import Decision, Vote, finding_key
from orchestrator.domain.airlock.states import State
from tests.unit.airlock.factories import (
    ALICE,
    ALICE_ALSO_REVIEWER,
    BEN,
    BLOCK_FINDING,
    OTTO,
    OUTSIDER,
    RAVI,
    REVIEW_FINDING,
    RITA,
    ROSA,
    make_request,
    with_findings,
)

IN_REVIEW = make_request(State.IN_REVIEW)


def vote(reviewer: str, decision: Decision = Decision.APPROVE, version: int = 1) -> Vote:
    return Vote(reviewer=reviewer, version=version, decision=decision)


def test_reviewer_cannot_review_own_request_even_with_reviewer_role() -> None:
    with pytest.raises(NotPermitted, match="you requested this export, so you cannot review it"):
        rules.check_can_review(IN_REVIEW, ALICE_ALSO_REVIEWER, [])


def test_reviewer_of_another_project_cannot_review() -> None:
    with pytest.raises(NotPermitted, match="not a reviewer on project genomics"):
        rules.check_can_review(IN_REVIEW, OUTSIDER, [])


def test_researcher_cannot_review() -> None:
    assert not rules.can_review(IN_REVIEW, BEN, [])


def test_operator_without_reviewer_role_cannot_review() -> None:
    assert not rules.can_review(IN_REVIEW, OTTO, [])


def test_reviewer_votes_once_per_version() -> None:
    with pytest.raises(NotPermitted, match="already decided on version 1"):
        rules.check_can_review(IN_REVIEW, RITA, [vote("rita")])
    assert rules.can_review(IN_REVIEW, RITA, [vote("rita", version=0)])


def test_no_vote_beyond_the_required_number() -> None:
    with pytest.raises(NotPermitted, match="every vote it needs"):
        rules.check_can_review(IN_REVIEW, ROSA, [vote("rita"), vote("ravi")])


def test_review_needs_the_request_in_review() -> None:
    assert not rules.can_review(make_request(State.APPROVED), RITA, [])


def test_requesting_changes_needs_a_comment() -> None:
    with pytest.raises(InvalidInput, match="needs a comment"):
        rules.check_vote(IN_REVIEW, Decision.REQUEST_CHANGES, "  ", frozenset())
    rules.check_vote(IN_REVIEW, Decision.REQUEST_CHANGES, "round the counts", frozenset())


def test_every_review_finding_must_be_acknowledged_to_approve() -> None:
    request = with_findings(IN_REVIEW, REVIEW_FINDING)
    key = finding_key("table.csv", REVIEW_FINDING)
    with pytest.raises(InvalidInput, match="not yet acknowledged"):
        rules.check_vote(request, Decision.APPROVE, "", frozenset())
    rules.check_vote(request, Decision.APPROVE, "", frozenset({key}))


def test_acknowledging_an_unknown_finding_is_refused() -> None:
    with pytest.raises(InvalidInput, match="are not findings of version 1"):
        rules.check_vote(IN_REVIEW, Decision.APPROVE, "", frozenset({"deadbeef"}))


def test_a_block_finding_cannot_be_approved() -> None:
    request = with_findings(IN_REVIEW, BLOCK_FINDING)
    with pytest.raises(NotPermitted, match="cannot be overridden"):
        rules.check_vote(request, Decision.APPROVE, "", frozenset())


def test_votes_are_hidden_from_other_reviewers_until_all_are_in() -> None:
    votes = [vote("rita")]
    assert rules.visible_votes(IN_REVIEW, RAVI, votes) == ()
    assert rules.visible_votes(IN_REVIEW, RITA, votes) == tuple(votes)
    assert rules.visible_votes(IN_REVIEW, ALICE, votes) == ()
    decided = make_request(State.APPROVED)
    both = [vote("rita"), vote("ravi")]
    assert rules.visible_votes(decided, RAVI, both) == tuple(both)


def test_votes_on_earlier_versions_stay_visible_after_a_new_version() -> None:
    request = replace(IN_REVIEW, version=2, submitted_version=2)
    old = vote("rita", Decision.REQUEST_CHANGES, version=1)
    assert rules.visible_votes(request, RAVI, [old]) == (old,)


def test_decision_waits_for_every_required_vote() -> None:
    assert rules.decide(IN_REVIEW, [vote("rita")]) is None
    assert rules.decide(IN_REVIEW, [vote("rita"), vote("ravi")]) is State.APPROVED


def test_any_rejection_rejects_and_any_change_request_asks_for_changes() -> None:
    changes = [vote("rita"), vote("ravi", Decision.REQUEST_CHANGES)]
    assert rules.decide(IN_REVIEW, changes) is State.CHANGES_REQUESTED
    rejected = [vote("rita", Decision.REQUEST_CHANGES), vote("ravi", Decision.REJECT)]
    assert rules.decide(IN_REVIEW, rejected) is State.REJECTED


def test_a_new_version_resets_the_votes() -> None:
    request = replace(IN_REVIEW, version=2, submitted_version=2)
    assert rules.decide(request, [vote("rita"), vote("ravi")]) is None
    assert rules.can_review(request, RITA, [vote("rita")])


def test_three_approvals_when_the_project_needs_three() -> None:
    request = replace(IN_REVIEW, required_approvals=3)
    assert rules.decide(request, [vote("rita"), vote("ravi")]) is None
    assert rules.decide(request, [vote("rita"), vote("ravi"), vote("rosa")]) is State.APPROVED


def test_requester_can_never_open_quarantined_files() -> None:
    with pytest.raises(NotPermitted, match="cannot download its quarantined files"):
        rules.check_can_open_quarantined(IN_REVIEW, ALICE_ALSO_REVIEWER)
    assert rules.can_open_quarantined(IN_REVIEW, RITA)
    assert not rules.can_open_quarantined(IN_REVIEW, BEN)
    assert not rules.can_open_quarantined(make_request(State.DRAFT), RITA)


def test_released_files_go_to_project_researchers_only() -> None:
    released = make_request(State.RELEASED)
    assert rules.can_download_released(released, ALICE)
    assert rules.can_download_released(released, BEN)
    assert not rules.can_download_released(released, RITA)
    assert not rules.can_download_released(released, OUTSIDER)
    assert not rules.can_download_released(make_request(State.APPROVED), ALICE)


def test_only_the_requester_edits_and_only_while_editable() -> None:
    assert rules.can_edit(make_request(State.DRAFT), ALICE)
    assert rules.can_edit(make_request(State.CHANGES_REQUESTED), ALICE)
    assert not rules.can_edit(make_request(State.DRAFT), BEN)
    with pytest.raises(NotPermitted, match="in_review; files can only be changed"):
        rules.check_can_edit(IN_REVIEW, ALICE)


def test_creating_requests_needs_the_researcher_role_on_the_project() -> None:
    rules.check_can_create(ALICE, "genomics")
    with pytest.raises(NotPermitted, match="not a researcher on project genomics"):
        rules.check_can_create(RITA, "genomics")


@pytest.mark.parametrize("count", [0, 10, -1])
def test_required_approvals_must_be_sensible(count: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 9"):
        rules.check_required_approvals(count)
