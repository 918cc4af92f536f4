"""Helpers for the content-scanner tests: rule sets and one-shot scans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from orchestrator.checks.content_rules import DEFAULTS
from orchestrator.checks.model import Finding, RuleSet
from orchestrator.checks.tables import make_table_scanner
from orchestrator.checks.text import make_text_scanner


def rules(only: Sequence[str] | None = None, **params: dict[str, Any]) -> RuleSet:
    """The default content rules (or just ``only``), with some parameters overridden.

    ``params`` maps a rule id with dots replaced by ``__`` to its parameter overrides.
    """
    chosen = {k: v for k, v in DEFAULTS.items() if only is None or k in only}
    for key, values in params.items():
        rule_id = key.replace("__", ".")
        chosen[rule_id] = replace(chosen[rule_id], params={**chosen[rule_id].params, **values})
    return RuleSet("test", "1", chosen)


def scan_text(text: str, rule_set: RuleSet | None = None, first_line: int = 1) -> list[Finding]:
    scanner = make_text_scanner(rule_set or rules())
    scanner.feed(text, first_line)
    return scanner.finish()


def scan_table(rows: Sequence[Sequence[str]], rule_set: RuleSet | None = None) -> list[Finding]:
    scanner = make_table_scanner(rule_set or rules(), "table.csv")
    for row in rows:
        scanner.feed_row(row)
    return scanner.finish()


def of_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def rule_ids(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}
