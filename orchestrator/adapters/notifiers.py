"""Send notices: a JSON webhook (httpx) and mail (smtplib). Both behind one protocol.

Each notifier raises :class:`NotificationFailed` with the reason; the caller decides
whether that matters (it never blocks a request from moving on).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx

from orchestrator.domain.notices import Notice


class NotificationFailed(Exception):
    """A notice could not be delivered; the message says where and why."""


class Notifier(Protocol):
    async def send(self, notice: Notice) -> None: ...


class WebhookNotifier:
    """POST each notice's event as JSON, optionally signed with HMAC-SHA256."""

    def __init__(self, url: str, http: httpx.AsyncClient, secret: str | None = None) -> None:
        self._url = url
        self._http = http
        self._secret = secret

    async def send(self, notice: Notice) -> None:
        payload = dict(notice.event)
        payload["recipients"] = list(notice.recipients)
        payload["subject"] = notice.subject
        body = json.dumps(payload, sort_keys=True).encode()
        headers = {"Content-Type": "application/json"}
        if self._secret:
            digest = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-TRE-Signature"] = f"sha256={digest}"
        try:
            response = await self._http.post(self._url, content=body, headers=headers, timeout=10.0)
        except httpx.HTTPError as exc:
            raise NotificationFailed(f"webhook {self._url} unreachable: {exc}") from exc
        if response.status_code >= 300:
            raise NotificationFailed(f"webhook {self._url} answered {response.status_code}")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


class SmtpNotifier:
    """Mail each notice to its recipients' addresses (one message, all recipients)."""

    def __init__(self, config: SmtpConfig, address_of: Callable[[str], str | None]) -> None:
        self._config = config
        self._address_of = address_of

    async def send(self, notice: Notice) -> None:
        addresses = [a for a in (self._address_of(r) for r in notice.recipients) if a]
        if not addresses:
            return
        message = EmailMessage()
        message["From"] = self._config.sender
        message["To"] = ", ".join(addresses)
        message["Subject"] = notice.subject
        message.set_content(notice.body)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        config = self._config
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
                if config.starttls:
                    smtp.starttls()
                if config.username and config.password:
                    smtp.login(config.username, config.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotificationFailed(
                f"mail server {config.host}:{config.port} refused the message: {exc}"
            ) from exc


def addresses_from(
    table: Mapping[str, str], default_domain: str | None
) -> Callable[[str], str | None]:
    """Look a user's address up in ``table``, falling back to ``user@default_domain``."""

    def address_of(username: str) -> str | None:
        if username in table:
            return table[username]
        return f"{username}@{default_domain}" if default_domain else None

    return address_of
