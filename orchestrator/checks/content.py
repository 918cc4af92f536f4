"""The one place the pipeline reaches the content scanners (tables, identifiers, secrets, ACRO).

The engine asks a :class:`ContentScanners` for a text scanner, a table scanner, and the
ACRO evidence check. :func:`default_content_scanners` binds them to
:mod:`orchestrator.checks.text`, :mod:`orchestrator.checks.tables` and
:mod:`orchestrator.checks.acro`, imported lazily. If one of those modules is missing
from a build, its scanner reports an ``engine.error`` finding on every file it would
have read, so nothing leaves unchecked.

Every table the pipeline feeds row by row (CSV/TSV, workbook sheets, HTML tables in
notebooks) also goes through the text scanner, so table scanners are made with
``scan_cells=False``: identifiers in cells are reported once, by the text scanner.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from inspect import signature
from pathlib import Path
from typing import Any

from orchestrator.checks.model import Finding, RuleSet, Severity, TableScanner, TextScanner

TextFactory = Callable[[RuleSet], TextScanner]
TableFactory = Callable[[RuleSet, str], TableScanner]
AcroCheck = Callable[[dict[str, Any], Path, RuleSet], list[Finding]]
AcroProbe = Callable[[object], bool]


@dataclass(frozen=True)
class ContentScanners:
    """Factories for the content scanners the pipeline feeds."""

    text: TextFactory
    table: TableFactory
    looks_like_acro: AcroProbe
    check_acro: AcroCheck


class MissingScanner:
    """Stands in for a content scanner that is not in this build: fails closed."""

    def __init__(self, what: str, reason: str) -> None:
        self._finding = Finding(
            rule="engine.error",
            severity=Severity.BLOCK,
            message=f"{what} checks are unavailable in this build ({reason}), so this content was not checked",
        )

    def feed(self, text: str, first_line: int) -> None:
        """Accept and ignore text."""

    def feed_row(self, row: Sequence[str]) -> None:
        """Accept and ignore a row."""

    def finish(self) -> list[Finding]:
        return [self._finding]


def _load(module: str, name: str) -> tuple[Callable[..., Any] | None, str]:
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        return None, f"{module}.{name}: {exc}"
    return found, ""


def default_content_scanners() -> ContentScanners:
    """The content scanners of this build, or fail-closed stand-ins for missing ones."""
    make_text, text_reason = _load("orchestrator.checks.text", "make_text_scanner")
    make_table, table_reason = _load("orchestrator.checks.tables", "make_table_scanner")
    looks, acro_reason = _load("orchestrator.checks.acro", "looks_like_acro_results")
    check, _ = _load("orchestrator.checks.acro", "check_acro_results")
    table_has_cell_option = (
        make_table is not None and "scan_cells" in signature(make_table).parameters
    )

    def text(rules: RuleSet) -> TextScanner:
        if make_text is None:
            return MissingScanner("text content (identifiers, genomic text, secrets)", text_reason)
        scanner: TextScanner = make_text(rules)
        return scanner

    def table(rules: RuleSet, name: str) -> TableScanner:
        if make_table is None:
            return MissingScanner("table disclosure-control", table_reason)
        # The pipeline feeds every table's text to the text scanner too, so the table
        # scanner leaves identifiers in cells to it and each is reported once.
        options = {"scan_cells": False} if table_has_cell_option else {}
        scanner: TableScanner = make_table(rules, name, **options)
        return scanner

    def looks_like_acro(doc: object) -> bool:
        return bool(looks(doc)) if looks is not None else False

    def check_acro(doc: dict[str, Any], base_dir: Path, rules: RuleSet) -> list[Finding]:
        if check is None:
            return MissingScanner("ACRO evidence", acro_reason).finish()
        findings: list[Finding] = check(doc, base_dir, rules)
        return findings

    return ContentScanners(text, table, looks_like_acro, check_acro)
