"""Block an export that carries a canary row of any project's copy.

The export-rule engine feeds every table it reads (CSV/TSV, workbook sheets, HTML
tables in notebooks) row by row to the table scanner of its ``ContentScanners``.
``with_canary_check`` wraps that scanner: each row is digested as ``tre trace`` digests
it (normalised cells ordered by column name, the trace store's salt) and a row whose
digest is a canary row's of any project gives a ``block`` finding, rule ``trace.canary``.
The rest of the table's checks are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from orchestrator.checks.content import ContentScanners
from orchestrator.checks.model import Finding, Location, RuleSet, Severity, TableScanner
from orchestrator.domain.fingerprints.copies import ProjectMarks
from orchestrator.domain.fingerprints.normalising import RowDigester

RULE = "trace.canary"


class _CanaryScanner:
    """A table scanner that also looks for canary rows."""

    def __init__(self, inner: TableScanner, canaries: dict[int, str], salt: bytes) -> None:
        self._inner = inner
        self._canaries = canaries
        self._salt = salt
        self._digester: RowDigester | None = None
        self._row = 0
        self._found: list[Finding] = []

    def feed_row(self, row: Sequence[str]) -> None:
        self._inner.feed_row(row)
        self._row += 1
        if self._digester is None:
            try:
                self._digester = RowDigester(row, self._salt)
            except ValueError:  # repeated column names: not a table tre trace reads
                self._canaries = {}
            return
        project = self._canaries.get(self._digester.digest(row))
        if project is not None:
            self._found.append(
                Finding(
                    RULE,
                    Severity.BLOCK,
                    f"this row is a canary planted in project {project}'s copy of the data "
                    "to trace leaks; a copy of granted data cannot leave the enclave",
                    Location(row=self._row),
                )
            )

    def finish(self) -> list[Finding]:
        return [*self._inner.finish(), *self._found]


def with_canary_check(
    scanners: ContentScanners, marks: Iterable[ProjectMarks], salt: bytes
) -> ContentScanners:
    """``scanners`` with every table also checked for canary rows of ``marks``."""
    canaries = {digest: m.project for m in marks for digest in m.canary_digests}
    inner = scanners.table

    def table(rules: RuleSet, name: str) -> TableScanner:
        return _CanaryScanner(inner(rules, name), canaries, salt)

    return replace(scanners, table=table)
