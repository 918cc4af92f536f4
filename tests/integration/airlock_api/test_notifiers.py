"""Notifiers deliver over real protocols: HTTP to a local webhook, SMTP to a local sink."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from email import message_from_string

import httpx
import pytest

from orchestrator.adapters.notifiers import (
    NotificationFailed,
    SmtpConfig,
    SmtpNotifier,
    WebhookNotifier,
    addresses_from,
)
from orchestrator.domain.access import Role, StaticRoleSource
from orchestrator.domain.notices import Change
from orchestrator.services.notifying import Announcer
from tests.integration.airlock_api.receivers import (
    SmtpSink,
    WebhookSink,
    start_smtp_sink,
    start_webhook_sink,
)

ROLES = StaticRoleSource(
    {
        "genomics": {
            Role.REVIEWER: frozenset({"rita", "ravi"}),
            Role.RESEARCHER: frozenset({"alice"}),
        }
    }
)
TO_REVIEW = Change(
    request_id="r1",
    project="genomics",
    title="Table 2",
    requester="alice",
    old_state="checking",
    new_state="in_review",
    actor="system",
    at="2026-01-01T00:00:00+00:00",
)


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    sink = start_webhook_sink()
    yield sink
    sink.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = start_smtp_sink()
    yield sink
    sink.stop()


async def test_webhook_receives_signed_events_for_requester_and_reviewers(
    webhook: WebhookSink,
) -> None:
    async with httpx.AsyncClient() as http:
        announcer = Announcer([WebhookNotifier(webhook.url, http, secret="s3cret")], ROLES)
        await announcer.announce(TO_REVIEW)
    audiences = {body["audience"]: body for _, body in webhook.events}
    assert set(audiences) == {"requester", "reviewers"}
    assert audiences["reviewers"]["recipients"] == ["ravi", "rita"]
    headers, body = webhook.events[0]
    expected = hmac.new(
        b"s3cret", json.dumps(body, sort_keys=True).encode(), hashlib.sha256
    ).hexdigest()
    assert headers["x-tre-signature"] == f"sha256={expected}"


async def test_webhook_refusal_is_reported(webhook: WebhookSink) -> None:
    webhook.status = 500
    async with httpx.AsyncClient() as http:
        with pytest.raises(NotificationFailed, match="answered 500"):
            await WebhookNotifier(webhook.url, http).send(
                (await Announcer([], ROLES).announce(TO_REVIEW))[0]
            )


async def test_mail_reaches_reviewers_and_requester_through_smtp(smtp: SmtpSink) -> None:
    notifier = SmtpNotifier(
        SmtpConfig(host=smtp.host, port=smtp.port, sender="airlock@tre.example"),
        addresses_from({"rita": "rita@uni.example"}, "tre.example"),
    )
    await Announcer([notifier], ROLES).announce(TO_REVIEW)
    assert [sorted(m.recipients) for m in smtp.mails] == [
        ["alice@tre.example"],
        ["ravi@tre.example", "rita@uni.example"],
    ]
    review_mail = message_from_string(smtp.mails[1].data)
    assert review_mail["Subject"] == "[airlock] genomics: 'Table 2' awaits your review"
    assert "tre airlock review r1" in review_mail.get_payload()


async def test_unreachable_mail_server_does_not_stop_the_announcement(
    smtp: SmtpSink, webhook: WebhookSink
) -> None:
    port = smtp.port
    smtp.stop()
    broken = SmtpNotifier(
        SmtpConfig(host="127.0.0.1", port=port, sender="a@b", timeout=2),
        addresses_from({}, "tre.example"),
    )
    async with httpx.AsyncClient() as http:
        notices = await Announcer([broken, WebhookNotifier(webhook.url, http)], ROLES).announce(
            TO_REVIEW
        )
    assert len(notices) == 2
    assert len(webhook.events) == 2
