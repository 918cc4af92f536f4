"""The engine adapter maps results to file names and blocks results for other bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.checks.model import Finding, Severity, Verdict
from orchestrator.services.airlock.engine_checker import MISMATCH_RULE, EngineChecker


@dataclass(frozen=True)
class FileResult:
    path: str
    sha256: str
    findings: Sequence[Finding] = ()


@dataclass(frozen=True)
class Report:
    ruleset_id: str = "default"
    ruleset_version: str = "3"
    files: Sequence[FileResult] = field(default_factory=tuple)


class ReportsSmallCounts:
    """An engine double: every CSV gets one review finding, with the true hash."""

    def __call__(self, paths: Sequence[Path]) -> Report:
        results = []
        for path in paths:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            findings = (
                [Finding("table.small-count", Severity.REVIEW, "small count")]
                if path.suffix == ".csv"
                else []
            )
            results.append(FileResult(str(path), digest, findings))
        return Report(files=tuple(results))


class ReportsWrongHash:
    """An engine double that claims to have read other bytes."""

    def __call__(self, paths: Sequence[Path]) -> Report:
        return Report(files=tuple(FileResult(str(p), "0" * 64) for p in paths))


def test_results_are_mapped_back_to_request_file_names(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("n\n4\n")
    (tmp_path / "b.md").write_text("notes")
    report = EngineChecker(ReportsSmallCounts()).check(
        {"out/a.csv": tmp_path / "a.csv", "b.md": tmp_path / "b.md"}
    )
    assert (report.ruleset_id, report.ruleset_version) == ("default", "3")
    assert {n: r.verdict for n, r in report.files.items()} == {
        "out/a.csv": Verdict.REVIEW,
        "b.md": Verdict.PASS,
    }


def test_a_result_for_other_bytes_blocks_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("n\n400\n")
    report = EngineChecker(ReportsWrongHash()).check({"a.csv": tmp_path / "a.csv"})
    result = report.files["a.csv"]
    assert result.verdict is Verdict.BLOCK
    assert [f.rule for f in result.findings] == [MISMATCH_RULE]
