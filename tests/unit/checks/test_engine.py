"""The engine as a library: reports, verdicts, progress, directory walking."""

from __future__ import annotations

import hashlib
from pathlib import Path

from orchestrator.checks.engine import ENGINE_VERSION, check_paths, expand_paths
from orchestrator.checks.model import RuleSet, Verdict
from orchestrator.checks.rulesets import ruleset_digest
from tests.unit.checks.doubles import Recorder, SignatureScanner


def test_report_records_engine_ruleset_and_each_file(
    tmp_path: Path, default_rules: RuleSet
) -> None:
    data = b"group,count\na,30\n"
    (tmp_path / "t.csv").write_bytes(data)
    (tmp_path / "s.txt").write_bytes(b"SECRET\n")
    report = check_paths(
        [tmp_path], default_rules, scanner=SignatureScanner(), content=Recorder().scanners()
    )
    record = report.as_dict()
    assert record["engine"]["version"] == ENGINE_VERSION
    assert record["ruleset"] == {
        "id": "default",
        "version": "1.0.0",
        "digest": ruleset_digest(default_rules),
    }
    assert [f["path"] for f in record["files"]] == [
        str(tmp_path / "s.txt"),
        str(tmp_path / "t.csv"),
    ]
    table = record["files"][1]
    assert table["sha256"] == hashlib.sha256(data).hexdigest()
    assert (table["size"], table["type"], table["verdict"], table["findings"]) == (
        len(data),
        "csv",
        "pass",
        [],
    )
    assert report.verdict == Verdict.BLOCK


def test_progress_reports_every_byte_read(tmp_path: Path, default_rules: RuleSet) -> None:
    (tmp_path / "a.txt").write_bytes(b"x\n" * 5000)
    (tmp_path / "b.csv").write_bytes(b"g,n\na,30\n")
    seen: list[int] = []
    check_paths([tmp_path], default_rules, content=Recorder().scanners(), on_progress=seen.append)
    assert sum(seen) == 10_000 + 9


def test_directories_are_walked_in_order_without_following_links(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "b")
    names = [name for name, _ in expand_paths([tmp_path])]
    assert names == [str(tmp_path / "a.txt"), str(tmp_path / "link"), str(tmp_path / "b" / "2.txt")]


def test_an_empty_request_passes(default_rules: RuleSet) -> None:
    assert check_paths([], default_rules, content=Recorder().scanners()).verdict == Verdict.PASS
