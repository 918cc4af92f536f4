"""An export holding a canary row of any project's copy is blocked by the export-rule engine."""

from __future__ import annotations

import random
from pathlib import Path

from orchestrator.checks.content import default_content_scanners
from orchestrator.checks.engine import check_file
from orchestrator.checks.rulesets import load_named_ruleset
from orchestrator.domain.fingerprints.copies import ProjectMarks, make_project_copy
from orchestrator.domain.fingerprints.export_canaries import with_canary_check

SALT = b"store salt".ljust(32, b".")
COLUMNS = ["participant_id", "age", "region", "bmi"]


def _copy(project: str, key: bytes) -> tuple[list[list[str]], ProjectMarks]:
    rng = random.Random(3)
    original = [
        [
            f"P{n:06d}",
            str(rng.randint(18, 90)),
            rng.choice(["north", "south", "wales"]),
            f"{rng.uniform(17, 40):.1f}",
        ]
        for n in range(400)
    ]
    copy, marks = make_project_copy(
        project=project, dataset="cohort", key=key, salt=SALT, columns=COLUMNS, rows=original
    )
    ids = {r[0] for r in original}
    return [r for r in copy if r[0] not in ids], marks


def _csv(rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in rows) + "\n"


def test_a_table_with_a_canary_row_is_blocked(tmp_path: Path) -> None:
    canaries_a, marks_a = _copy("project-a", b"key a")
    _, marks_b = _copy("project-b", b"key b")
    scanners = with_canary_check(default_content_scanners(), [marks_a, marks_b], SALT)
    rules = load_named_ruleset("default")
    smuggled = tmp_path / "summary.csv"
    # Columns re-ordered and the canary hidden among made-up rows: still found.
    rows = [["bmi", "region", "age", "participant_id"]]
    rows += [[f"{20 + n}.5", "north", str(30 + n), f"X{n:06d}"] for n in range(5)]
    rows.append([canaries_a[0][3], canaries_a[0][2], canaries_a[0][1], canaries_a[0][0]])
    smuggled.write_text(_csv(rows))

    report = check_file(smuggled, rules, content=scanners, name="summary.csv")

    canary = [f for f in report.findings if f.rule == "trace.canary"]
    assert [(f.severity, f.location.row) for f in canary] == [("block", 7)]
    assert "project project-a's copy" in canary[0].message
    assert report.verdict == "block"


def test_a_table_without_canaries_gets_no_canary_finding(tmp_path: Path) -> None:
    _, marks = _copy("project-a", b"key a")
    scanners = with_canary_check(default_content_scanners(), [marks], SALT)
    plain = tmp_path / "plain.csv"
    plain.write_text(_csv([["region", "count"], ["north", "120"], ["wales", "45"]]))

    report = check_file(plain, load_named_ruleset("default"), content=scanners, name="plain.csv")

    assert [f for f in report.findings if f.rule == "trace.canary"] == []
