"""The one place the pipeline reaches the content scanners (tables, identifiers, secrets, ACRO).

The engine asks a :class:`ContentScanners` for a text scanner, a table scanner, and the
ACRO evidence check. :func:`default_content_scanners` binds them to
:mod:`orchestrator.checks.text`, :mod:`orchestrator.checks.tables` and
:mod:`orchestrator.checks.acro`.

Every table the pipeline feeds row by row (CSV/TSV, workbook sheets, HTML tables in
notebooks) also goes through the text scanner, so table scanners are made with
``scan_cells=False``: identifiers in cells are reported once, by the text scanner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.checks.acro import check_acro_results, looks_like_acro_results
from orchestrator.checks.model import Finding, RuleSet, TableScanner, TextScanner
from orchestrator.checks.tables import make_table_scanner
from orchestrator.checks.text import make_text_scanner

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


def _table(rules: RuleSet, name: str) -> TableScanner:
    # The pipeline feeds every table's text to the text scanner too, so the table
    # scanner leaves identifiers in cells to it and each is reported once.
    return make_table_scanner(rules, name, scan_cells=False)


def default_content_scanners() -> ContentScanners:
    """The content scanners of this build."""
    return ContentScanners(make_text_scanner, _table, looks_like_acro_results, check_acro_results)
