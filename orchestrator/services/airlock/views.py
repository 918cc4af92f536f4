"""What the airlock service returns to its callers (API, CLI): plain immutable values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from orchestrator.domain.airlock.model import Request, Vote


@dataclass(frozen=True)
class RequestDetail:
    """A request as one actor may see it, with the actions open to that actor.

    ``votes`` holds only the votes this actor may see (reviewers see their own until
    every required vote on the version is in). ``actions`` names the service
    methods the actor may call now (``submit``, ``review``, ``release``...), for buttons.
    """

    request: Request
    votes: tuple[Vote, ...]
    actions: frozenset[str]
    failure_reason: str | None = None
    released: dict[str, str] = field(default_factory=dict)
    """``{file name: object key}`` in the release bucket, once released."""


@dataclass(frozen=True)
class ReleasedDownload:
    """A released file on its way out: what it should be, and its bytes as they are checked.

    ``chunks`` raises (before the last chunk) if the bytes differ from ``sha256`` or
    the caller's download limit is used up; it records the download once complete.
    """

    name: str
    sha256: str
    size: int
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of ``verify_audit_chain``: ok, or the first bad record and why."""

    ok: bool
    records_checked: int
    checkpoints_checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecoveryReport:
    """What ``recover`` found and finished after a restart."""

    resumed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    temporary_objects_removed: int = 0
