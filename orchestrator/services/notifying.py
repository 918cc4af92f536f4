"""Tell people about request changes through every configured notifier.

A notifier that fails is logged and skipped: a mail server being down must never stop
a request from moving, and the change is in the audit log either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.adapters.notifiers import NotificationFailed, Notifier
from orchestrator.domain.access import Role, RoleSource
from orchestrator.domain.notices import Change, Notice, make_notices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Announcer:
    """Builds the notices for a change and hands them to each notifier."""

    notifiers: Sequence[Notifier]
    roles: RoleSource

    async def announce(self, change: Change) -> list[Notice]:
        reviewers = await self.roles.members(change.project, Role.REVIEWER)
        notices = make_notices(change, reviewers)
        for notice in notices:
            for notifier in self.notifiers:
                try:
                    await notifier.send(notice)
                except NotificationFailed as exc:
                    log.warning(
                        "request %s: could not notify %s: %s",
                        change.request_id,
                        ", ".join(notice.recipients),
                        exc,
                    )
        return notices
