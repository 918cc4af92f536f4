"""Airlock request model: requests, files, votes, actors and check results (plain values).

Everything here is an immutable value. The service layer loads these from the
database, asks the rules in :mod:`.states` and :mod:`.review` what is allowed, and
stores the result. Nothing here performs I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orchestrator.checks.model import Finding, Severity, Verdict
from orchestrator.domain.airlock.errors import InvalidInput
from orchestrator.domain.airlock.states import State


class Direction(StrEnum):
    """Which way the files travel: out of the enclave, or in (code, reference data)."""

    EXPORT = "export"
    IMPORT = "import"


class Decision(StrEnum):
    """What one reviewer decides about one version of a request."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


_FILE_NAME = re.compile(r"^(?!/)(?!.*(^|/)\.\.?(/|$))[A-Za-z0-9._\-/ ()+,=@]{1,255}$")


def check_file_name(name: str) -> None:
    """File names are relative paths without ``..`` or control characters."""
    if not _FILE_NAME.match(name) or "//" in name or name.endswith("/"):
        raise InvalidInput(
            f"file name {name!r} is not allowed: use a relative path of letters, digits, "
            "spaces and ._-/()+,=@ (no '..', no leading '/', at most 255 characters)"
        )


def finding_key(file_name: str, finding: Finding) -> str:
    """A stable identifier for one finding in one file, used for acknowledgements."""
    location = ",".join(f"{k}={v}" for k, v in sorted(finding.location.as_dict().items()))
    raw = f"{file_name}\x00{finding.rule}\x00{finding.severity}\x00{location}\x00{finding.message}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FileCheck:
    """The checker's verdict and findings for one file."""

    verdict: Verdict
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """What a checker returns: per-file results and the rule set that produced them."""

    ruleset_id: str
    ruleset_version: str
    files: Mapping[str, FileCheck]


@dataclass(frozen=True)
class RequestFile:
    """One file of one version of a request.

    ``sha256`` and ``size`` are known once the bytes are in quarantine (at upload for
    streamed files, at submission for files taken from the project outbox).
    ``verdict`` and ``findings`` are set when the version has been checked.
    """

    name: str
    context: str = ""
    controls: str = ""
    sha256: str | None = None
    size: int | None = None
    source: str | None = None
    verdict: Verdict | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def review_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.REVIEW)

    @property
    def block_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCK)


@dataclass(frozen=True)
class Vote:
    """One reviewer's decision on one version."""

    reviewer: str
    version: int
    decision: Decision
    comment: str = ""
    acknowledged: frozenset[str] = frozenset()
    at: datetime | None = None


@dataclass(frozen=True)
class Request:
    """An airlock request at one moment: its metadata, current version and that version's files.

    ``version`` is the version being edited or reviewed; ``submitted_version`` is the
    highest version that has been submitted (0 while still a draft).
    ``failed_from`` remembers the in-progress state a ``failed`` request stopped in.
    """

    id: str
    project: str
    requester: str
    direction: Direction
    title: str
    purpose: str
    state: State
    version: int = 1
    submitted_version: int = 0
    required_approvals: int = 2
    files: tuple[RequestFile, ...] = ()
    failed_from: State | None = None
    ruleset_id: str | None = None
    ruleset_version: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def file(self, name: str) -> RequestFile | None:
        return next((f for f in self.files if f.name == name), None)

    @property
    def review_finding_keys(self) -> frozenset[str]:
        """Every ``review`` finding of the current version, by :func:`finding_key`."""
        return frozenset(
            finding_key(f.name, finding) for f in self.files for finding in f.review_findings
        )

    @property
    def has_block_finding(self) -> bool:
        return any(f.block_findings or f.verdict is Verdict.BLOCK for f in self.files)


def check_request_text(title: str, purpose: str) -> None:
    """A request needs a title and a purpose a reviewer can judge it by."""
    if not title.strip():
        raise InvalidInput("give the request a title, e.g. 'Table 2 for the cohort paper'")
    if len(title) > 200:
        raise InvalidInput("the title is longer than 200 characters; shorten it")
    if not purpose.strip():
        raise InvalidInput(
            "say what the files are for (the purpose), so reviewers can judge the request"
        )
