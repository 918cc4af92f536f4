"""The small built-in checker: private keys and unreadable files block, small counts need review."""

from __future__ import annotations

from pathlib import Path

from orchestrator.checks.model import Verdict
from tests.doubles.basic_checker import BasicChecker


def test_checker_reports_every_file_with_its_verdict(tmp_path: Path) -> None:
    (tmp_path / "table.csv").write_text("group,n\na,120\nb,4\n")
    (tmp_path / "key.txt").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    (tmp_path / "notes.md").write_text("# Results\nAll fine.\n")
    report = BasicChecker().check(
        {
            "out/table.csv": tmp_path / "table.csv",
            "key.txt": tmp_path / "key.txt",
            "blob.bin": tmp_path / "blob.bin",
            "notes.md": tmp_path / "notes.md",
        }
    )
    assert report.ruleset_id == "airlock-basic"
    verdicts = {name: result.verdict for name, result in report.files.items()}
    assert verdicts == {
        "out/table.csv": Verdict.REVIEW,
        "key.txt": Verdict.BLOCK,
        "blob.bin": Verdict.BLOCK,
        "notes.md": Verdict.PASS,
    }
    (finding,) = report.files["out/table.csv"].findings
    assert finding.rule == "basic.small-count"
    assert finding.location.as_dict() == {"row": 3, "column": "n"}
