"""Who hears about a change: reviewers when review starts, the requester always."""

from __future__ import annotations

from orchestrator.domain.notices import Change, make_notices


def change(new_state: str, old_state: str | None = "checking") -> Change:
    return Change(
        request_id="r1",
        project="genomics",
        title="Table 2",
        requester="alice",
        old_state=old_state,
        new_state=new_state,
        actor="system",
        at="2026-01-01T00:00:00+00:00",
    )


def test_reaching_review_tells_reviewers_but_never_the_requester_as_reviewer() -> None:
    notices = make_notices(change("in_review"), reviewers={"rita", "ravi", "alice"})
    assert [n.recipients for n in notices] == [("alice",), ("ravi", "rita")]
    assert notices[1].event["audience"] == "reviewers"
    assert "tre airlock review r1" in notices[1].body


def test_other_changes_tell_only_the_requester() -> None:
    notices = make_notices(change("approved", "in_review"), reviewers={"rita"})
    assert len(notices) == 1
    assert notices[0].recipients == ("alice",)
    assert notices[0].subject == "[airlock] genomics: 'Table 2' is now approved"
    assert notices[0].event["from_state"] == "in_review"
    assert notices[0].event["to_state"] == "approved"


def test_comment_reaches_the_requester() -> None:
    with_comment = Change(**{**change("changes_requested").__dict__, "comment": "round the counts"})
    (notice,) = make_notices(with_comment, reviewers=set())
    assert "Comment: round the counts" in notice.body
