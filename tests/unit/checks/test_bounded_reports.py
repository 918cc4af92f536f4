"""Reports stay readable and small: findings of one rule are capped; empty files are flagged."""

from __future__ import annotations

from orchestrator.checks.model import Severity, Verdict
from tests.unit.checks.archive_files import make_zip
from tests.unit.checks.conftest import CheckBytes, rules_of


def test_a_small_zip_full_of_hits_yields_a_capped_summarised_report(
    check_bytes: CheckBytes,
) -> None:
    members = {f"m{i}.txt": b"SECRET\n" * 500 for i in range(20)}
    report = check_bytes("many.zip", make_zip(members))
    tokens = [f for f in report.findings if f.rule == "secrets.tokens"]
    assert len(tokens) == 101
    assert tokens[-1].message == "and 9,900 more findings of this rule in this file, not listed"
    assert tokens[-1].severity == Severity.BLOCK
    assert report.verdict == Verdict.BLOCK


def test_an_empty_file_gets_a_finding(check_bytes: CheckBytes) -> None:
    report = check_bytes("results.csv", b"")
    assert rules_of(report) == {"type.empty"}
    assert report.verdict == Verdict.REVIEW


def test_an_empty_member_gets_a_finding_naming_it(check_bytes: CheckBytes) -> None:
    report = check_bytes("out.zip", make_zip({"a.csv": b"g,n\na,30\n", "b.csv": b""}))
    assert [(f.rule, f.location.member) for f in report.findings] == [("type.empty", "b.csv")]
