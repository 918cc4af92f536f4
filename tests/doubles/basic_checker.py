"""A named test double: a small checker with three fixed rules, so service tests know each verdict in advance.

* ``basic.unreadable`` (block): binary content the checks cannot read is never
  released unchecked.
* ``basic.private-key`` (block): a PEM private key.
* ``basic.small-count`` (review): a whole number below the threshold (default 10)
  in a CSV table, a classic small-cell disclosure risk.

Production uses the export-check engine (`make_engine_checker`) through the same protocol.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from orchestrator.checks.model import Finding, Location, Severity, verdict_of
from orchestrator.domain.airlock.model import CheckReport, FileCheck

RULESET_ID = "airlock-basic"
RULESET_VERSION = "1"
SNIFF_BYTES = 8192


class BasicChecker:
    """Checks text files for private keys and CSV tables for small counts."""

    def __init__(self, small_count_threshold: int = 10) -> None:
        self.threshold = small_count_threshold
        self.ruleset_id = RULESET_ID
        self.ruleset_version = f"{RULESET_VERSION}+threshold={small_count_threshold}"

    def check(self, files: Mapping[str, Path]) -> CheckReport:
        results = {name: self._check_file(name, path) for name, path in files.items()}
        return CheckReport(
            ruleset_id=self.ruleset_id, ruleset_version=self.ruleset_version, files=results
        )

    def _check_file(self, name: str, path: Path) -> FileCheck:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        if b"\x00" in head:
            return _result(
                [Finding("basic.unreadable", Severity.BLOCK, "binary content cannot be checked")]
            )
        findings: list[Finding] = []
        try:
            with path.open(encoding="utf-8") as text:
                for number, line in enumerate(text, start=1):
                    if "PRIVATE KEY-----" in line and "-----BEGIN" in line:
                        findings.append(
                            Finding(
                                "basic.private-key",
                                Severity.BLOCK,
                                "a private key must never leave the enclave",
                                Location(line=number),
                            )
                        )
            if name.lower().endswith(".csv"):
                findings.extend(self._small_counts(path))
        except UnicodeDecodeError:
            findings.append(
                Finding("basic.unreadable", Severity.BLOCK, "the file is not UTF-8 text")
            )
        return _result(findings)

    def _small_counts(self, path: Path) -> list[Finding]:
        findings: list[Finding] = []
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            for row_number, row in enumerate(reader, start=2):
                for index, cell in enumerate(row):
                    value = cell.strip()
                    if value.isdigit() and 0 < int(value) < self.threshold:
                        column = header[index] if index < len(header) else index + 1
                        findings.append(
                            Finding(
                                "basic.small-count",
                                Severity.REVIEW,
                                f"a count below {self.threshold} may identify people",
                                Location(row=row_number, column=column),
                            )
                        )
        return findings


def _result(findings: list[Finding]) -> FileCheck:
    return FileCheck(verdict=verdict_of([f.severity for f in findings]), findings=tuple(findings))
