"""Named test doubles for the content scanners, each with one behaviour.

``TokenTextScanner`` flags every line containing ``SECRET`` (rule ``secrets.tokens``);
``SmallCountTableScanner`` flags integer cells from 1 to 9 (rule ``tables.min_cell_count``)
and records the rows it was fed. They let the pipeline be tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.checks.content import ContentScanners
from orchestrator.checks.model import Finding, Location, RuleSet, Severity


class TokenTextScanner:
    """Flags each line that contains the token ``SECRET``; records what it was fed."""

    fed: list[tuple[str, int]]

    def __init__(self) -> None:
        self.fed = []
        self.findings: list[Finding] = []

    def feed(self, text: str, first_line: int) -> None:
        self.fed.append((text, first_line))
        for index, line in enumerate(text.split("\n")):
            if "SECRET" in line:
                self.findings.append(
                    Finding(
                        "secrets.tokens",
                        Severity.BLOCK,
                        "a secret token",
                        Location(line=first_line + index),
                    )
                )

    def finish(self) -> list[Finding]:
        return self.findings


class SmallCountTableScanner:
    """Flags integer cells from 1 to 9 after the header; records every row fed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[list[str]] = []
        self.findings: list[Finding] = []

    def feed_row(self, row: Sequence[str]) -> None:
        self.rows.append(list(row))
        if len(self.rows) == 1:
            return
        for column, cell in enumerate(row, start=1):
            if cell.strip().isdigit() and 1 <= int(cell) <= 9:
                self.findings.append(
                    Finding(
                        "tables.min_cell_count",
                        Severity.BLOCK,
                        "a count below 10",
                        Location(row=len(self.rows), column=column),
                    )
                )

    def finish(self) -> list[Finding]:
        return self.findings


class Recorder:
    """Content scanners built from the doubles, remembering each scanner it made."""

    def __init__(self) -> None:
        self.texts: list[TokenTextScanner] = []
        self.tables: list[SmallCountTableScanner] = []
        self.acro_checked: list[Path] = []

    def text(self, rules: RuleSet) -> TokenTextScanner:
        scanner = TokenTextScanner()
        self.texts.append(scanner)
        return scanner

    def table(self, rules: RuleSet, name: str) -> SmallCountTableScanner:
        scanner = SmallCountTableScanner(name)
        self.tables.append(scanner)
        return scanner

    def looks_like_acro(self, doc: object) -> bool:
        return isinstance(doc, dict) and "results" in doc and "version" in doc

    def check_acro(self, doc: dict[str, Any], base_dir: Path, rules: RuleSet) -> list[Finding]:
        self.acro_checked.append(base_dir)
        return [Finding("tables.acro_evidence", Severity.BLOCK, "ACRO status recomputed: fail")]

    def scanners(self) -> ContentScanners:
        return ContentScanners(self.text, self.table, self.looks_like_acro, self.check_acro)

    def all_text(self) -> str:
        return "".join(text for scanner in self.texts for text, _ in scanner.fed)


class ExplodingTextScanner:
    """Raises on the first chunk, like a scanner with a bug."""

    def feed(self, text: str, first_line: int) -> None:
        raise RuntimeError("scanner bug")

    def finish(self) -> list[Finding]:
        return []


class SignatureScanner:
    """A malware scanner that reports one signature for files whose name contains 'infected'."""

    def unavailable_reason(self) -> str | None:
        return None

    def scan(self, paths: Sequence[Path]) -> dict[Path, list[str]]:
        return {p: ["Test.Signature"] for p in paths if "infected" in p.name}


class UnavailableScanner:
    """A malware scanner without a signature database."""

    def unavailable_reason(self) -> str | None:
        return "no signature database in /nowhere"

    def scan(self, paths: Sequence[Path]) -> dict[Path, list[str]]:
        raise AssertionError("an unavailable scanner is never asked to scan")


class FailingScanner:
    """A malware scanner whose scan fails."""

    def unavailable_reason(self) -> str | None:
        return None

    def scan(self, paths: Sequence[Path]) -> dict[Path, list[str]]:
        from orchestrator.checks.malware import MalwareScanError

        raise MalwareScanError("clamscan exited with status 2: database corrupt")
