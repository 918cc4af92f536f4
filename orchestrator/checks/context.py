"""What every check of one top-level file shares: rules, scanners, findings, budget, position.

A :class:`Context` is made per top-level file. Nested content (an archive member, a
notebook output, a sheet) gets a child context through :meth:`Context.inside`, which
shares the findings list and the expansion budget and prefixes every location with
the member path (``outer.zip!inner/table.csv``).

Findings of one rule in one top-level file are capped at :data:`MAX_FINDINGS_PER_RULE`;
the rest are only counted, and :meth:`Context.summarise` adds one finding per capped
rule saying how many more there were. A small archive full of identifiers therefore
yields a report a reviewer can read, in bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from orchestrator.checks.content import ContentScanners
from orchestrator.checks.model import (
    Finding,
    Location,
    RuleSet,
    Severity,
    TableScanner,
    TextScanner,
)
from orchestrator.checks.streams import Budget, Readable

MEMBER_SEPARATOR = "!"
MAX_FINDINGS_PER_RULE = 100
NOT_FULLY_CHECKED = frozenset({"archive.limits", "engine.malformed"})
"""Rules whose findings mean content went unchecked: reported as ``engine.error`` when disabled."""


@dataclass
class Overflow:
    """Findings left out of the report, per rule: how many and the worst severity."""

    counts: dict[str, int] = field(default_factory=dict)
    worst: dict[str, Severity] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)


@dataclass
class Context:
    """The state one top-level file's checks share."""

    rules: RuleSet
    scanners: ContentScanners
    budget: Budget
    findings: list[Finding] = field(default_factory=list)
    member: str | None = None
    depth: int = 0
    overflow: Overflow = field(default_factory=Overflow)

    def inside(self, member: str, *, nested: bool = True) -> Context:
        """A context for ``member`` of the current content; ``nested`` counts archive depth."""
        path = member if self.member is None else f"{self.member}{MEMBER_SEPARATOR}{member}"
        return Context(
            rules=self.rules,
            scanners=self.scanners,
            budget=self.budget,
            findings=self.findings,
            member=path,
            depth=self.depth + (1 if nested else 0),
            overflow=self.overflow,
        )

    def enabled(self, rule_id: str) -> bool:
        return self.rules.get(rule_id) is not None

    def param(self, rule_id: str, name: str, default: object = None) -> object:
        rule = self.rules.get(rule_id)
        return rule.param(name, default) if rule is not None else default

    def int_param(self, rule_id: str, name: str, default: int) -> int:
        value = self.param(rule_id, name, default)
        return value if isinstance(value, int) else default

    def add(self, rule_id: str, message: str, location: Location | None = None) -> None:
        """Record a finding for ``rule_id`` at its configured severity, if the rule is enabled."""
        rule = self.rules.get(rule_id)
        if rule is None:
            if rule_id not in NOT_FULLY_CHECKED:
                return
            # Content that could not be checked is never passed, even with its rule disabled.
            rule_id, rule = "engine.error", self.rules.get("engine.error")
            severity = rule.severity if rule is not None else Severity.BLOCK
            message = f"not fully checked: {message}"
        else:
            severity = rule.severity
        self._record(Finding(rule_id, severity, message, self.locate(location)))

    def add_findings(self, findings: list[Finding]) -> None:
        """Record findings from a content scanner, placing them inside the current member."""
        for finding in findings:
            self._record(replace(finding, location=self.locate(finding.location)))

    def _record(self, finding: Finding) -> None:
        tally = self.overflow
        kept = tally.kept.get(finding.rule, 0)
        if kept < MAX_FINDINGS_PER_RULE:
            tally.kept[finding.rule] = kept + 1
            self.findings.append(finding)
            return
        tally.counts[finding.rule] = tally.counts.get(finding.rule, 0) + 1
        worst = tally.worst.get(finding.rule, Severity.REVIEW)
        tally.worst[finding.rule] = (
            Severity.BLOCK if Severity.BLOCK in (worst, finding.severity) else worst
        )

    def summarise(self) -> None:
        """One finding per rule whose findings were capped: "and N more"."""
        tally = self.overflow
        for rule_id, count in tally.counts.items():
            self.findings.append(
                Finding(
                    rule_id,
                    tally.worst[rule_id],
                    f"and {count:,} more findings of this rule in this file, not listed",
                )
            )
        tally.counts.clear()

    def locate(self, location: Location | None) -> Location:
        location = location or Location()
        if self.member is None:
            return location
        inner = location.member
        member = self.member if inner is None else f"{self.member}{MEMBER_SEPARATOR}{inner}"
        return replace(location, member=member)

    def text_scanner(self) -> TextScanner:
        return self.scanners.text(self.rules)

    def table_scanner(self, name: str) -> TableScanner:
        return self.scanners.table(self.rules, name)


Inspect = Callable[[Context, Readable, str], str]
"""Checks nested content (a member, a decompressed stream, an output image); returns its type."""
