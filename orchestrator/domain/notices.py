"""Who is told what when an airlock request changes: pure builders, no sending.

Reviewers of the project hear when a request reaches review (they have work to do);
the requester hears about every change to their request. Notices never contain file
content or findings' details, only the request's title, state and a pointer to it,
because mail and chat leave the enclave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    """One state change of one request, as the notifier needs to know it."""

    request_id: str
    project: str
    title: str
    requester: str
    old_state: str | None
    new_state: str
    actor: str
    at: str
    comment: str | None = None


@dataclass(frozen=True)
class Notice:
    """A message for some people, plus a machine-readable event for webhooks."""

    recipients: tuple[str, ...]
    subject: str
    body: str
    event: dict[str, Any] = field(default_factory=dict)


REVIEW_STATE = "in_review"


def _event(change: Change, audience: str) -> dict[str, Any]:
    return {
        "type": "airlock.request.changed",
        "audience": audience,
        "request_id": change.request_id,
        "project": change.project,
        "title": change.title,
        "requester": change.requester,
        "from_state": change.old_state,
        "to_state": change.new_state,
        "actor": change.actor,
        "at": change.at,
    }


def make_requester_notice(change: Change) -> Notice:
    """Tell the requester that their request moved."""
    moved = (
        f"from {change.old_state} to {change.new_state}"
        if change.old_state
        else f"to {change.new_state}"
    )
    lines = [
        f"Your airlock request '{change.title}' ({change.request_id}) in project "
        f"{change.project} moved {moved}.",
        f"Changed by: {change.actor} at {change.at}.",
    ]
    if change.comment:
        lines.append(f"Comment: {change.comment}")
    lines.append(f"See it with: tre airlock status {change.request_id}")
    return Notice(
        recipients=(change.requester,),
        subject=f"[airlock] {change.project}: '{change.title}' is now {change.new_state}",
        body="\n".join(lines) + "\n",
        event=_event(change, "requester"),
    )


def make_reviewer_notice(change: Change, reviewers: Iterable[str]) -> Notice | None:
    """Tell the project's reviewers (never the requester) that a request awaits review."""
    if change.new_state != REVIEW_STATE:
        return None
    recipients = tuple(sorted(set(reviewers) - {change.requester}))
    if not recipients:
        return None
    body = (
        f"Airlock request '{change.title}' ({change.request_id}) from {change.requester} "
        f"in project {change.project} is ready for review.\n"
        f"Open it with: tre airlock review {change.request_id}\n"
    )
    return Notice(
        recipients=recipients,
        subject=f"[airlock] {change.project}: '{change.title}' awaits your review",
        body=body,
        event=_event(change, "reviewers"),
    )


def make_notices(change: Change, reviewers: Iterable[str]) -> list[Notice]:
    """Every notice one change causes."""
    notices = [make_requester_notice(change)]
    for_reviewers = make_reviewer_notice(change, reviewers)
    if for_reviewers is not None:
        notices.append(for_reviewers)
    return notices
