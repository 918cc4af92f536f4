"""The vocabulary every check speaks: severities, verdicts, locations, findings, rules.

The pipeline (type detection, containers, limits) and the content scanners (tables,
identifiers, genomic content, secrets) both produce :class:`Finding` values and read
their parameters from a :class:`RuleSet`. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Severity(StrEnum):
    """How bad a finding is: ``review`` needs a reviewer's explicit attention, ``block`` must not leave."""

    REVIEW = "review"
    BLOCK = "block"


class Verdict(StrEnum):
    """The decision for one file (or a whole request): the worst severity found."""

    PASS = "pass"
    REVIEW = "review"
    BLOCK = "block"


def verdict_of(severities: Sequence[Severity]) -> Verdict:
    """``block`` if any finding blocks, else ``review`` if any needs review, else ``pass``."""
    if Severity.BLOCK in severities:
        return Verdict.BLOCK
    if Severity.REVIEW in severities:
        return Verdict.REVIEW
    return Verdict.PASS


@dataclass(frozen=True)
class Location:
    """Where in a file a finding is. Every field is optional; set the ones that apply.

    ``line``, ``row`` and ``column`` are 1-based; ``column`` may be a header name for
    tables; ``offset`` is a byte offset; ``member`` is a path inside an archive or a
    sheet / cell reference inside a workbook or notebook.
    """

    line: int | None = None
    row: int | None = None
    column: int | str | None = None
    offset: int | None = None
    member: str | None = None

    def as_dict(self) -> dict[str, int | str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Finding:
    """One problem a rule found. ``message`` never repeats sensitive evidence verbatim: redact it."""

    rule: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "location": self.location.as_dict(),
        }


@dataclass(frozen=True)
class Rule:
    """One configured rule: what it is, how severe a hit is, and its parameters."""

    id: str
    description: str
    severity: Severity
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class RuleSet:
    """A loaded, validated rule set: identified and versioned for the disclosure-control record."""

    id: str
    version: str
    rules: Mapping[str, Rule]

    def get(self, rule_id: str) -> Rule | None:
        """The rule if it is present and enabled, else None."""
        rule = self.rules.get(rule_id)
        return rule if rule is not None and rule.enabled else None


class TextScanner(Protocol):
    """Scans text in order, chunk by chunk; chunks hold whole lines."""

    def feed(self, text: str, first_line: int) -> None:
        """Scan ``text``, whose first line is line ``first_line`` (1-based) of the file."""

    def finish(self) -> list[Finding]:
        """All findings, once every chunk has been fed."""
        ...


class TableScanner(Protocol):
    """Scans one table row by row; the first row fed is the header."""

    def feed_row(self, row: Sequence[str]) -> None:
        """Scan the next row (cells as text)."""

    def finish(self) -> list[Finding]:
        """All findings for the table, once every row has been fed."""
        ...
