"""ACRO's checksums are unsigned: an edited results.json with recomputed checksums must
not release what ACRO failed, and files it does not describe are reported."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.checks.acro import check_acro_results
from orchestrator.checks.model import Severity

from .acro_sessions import grants, run_acro
from .helpers import rules

EVIDENCE = "tables.acro_evidence"


def small_regression(acro: Any, d: Any) -> None:
    small = d.head(8)
    acro.ols(small.inc_grants, small[["year"]].astype(float))


def rewrite(out: Path, doc: dict[str, Any]) -> None:
    """Save an edited results.json and recompute its checksum, as a tamperer would."""
    raw = json.dumps(doc).encode()
    (out / "results.json").write_bytes(raw)
    (out / "checksums" / "results.json.txt").write_text(hashlib.sha256(raw).hexdigest())


@pytest.mark.parametrize(
    "edit",
    [
        {"status": "pass", "summary": "pass"},
        {"status": "pass", "summary": "pass", "properties": {"method": "ols", "dof": 50}},
        {"status": "review", "summary": "review", "type": "regression"},
    ],
)
def test_an_edited_pass_does_not_release_a_failed_regression(
    tmp_path: Path, edit: dict[str, Any]
) -> None:
    out, doc = run_acro(tmp_path, small_regression, grants())
    entry = doc["results"]["output_0"]
    assert entry["status"] == "fail"  # ACRO's own verdict: 7 residual dof < 10
    entry.update(edit)
    rewrite(out, doc)
    findings = check_acro_results(doc, out, rules())
    blocking = [f for f in findings if f.severity is Severity.BLOCK]
    assert [(f.rule, f.location.member) for f in blocking] == [(EVIDENCE, "output_0_0.csv")]
    assert "7 residual degrees of freedom, fewer than 10" in blocking[0].message


def test_a_lowered_threshold_in_config_json_does_not_count(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, small_regression, grants())
    config = json.loads((out / "config.json").read_text())
    config["safe_dof_threshold"] = 2
    (out / "config.json").write_text(json.dumps(config))
    doc["results"]["output_0"].update({"status": "pass", "summary": "pass"})
    rewrite(out, doc)
    findings = check_acro_results(doc, out, rules())
    assert any(f.severity is Severity.BLOCK and "fewer than 10" in f.message for f in findings)


def test_a_passing_non_table_output_still_goes_to_review(tmp_path: Path) -> None:
    def regression(acro: Any, d: Any) -> None:
        acro.ols(d.inc_grants, d[["year"]].astype(float))

    out, doc = run_acro(tmp_path, regression, grants())
    assert doc["results"]["output_0"]["status"] == "pass"
    findings = [
        f for f in check_acro_results(doc, out, rules()) if f.location.member == "output_0_0.csv"
    ]
    assert [f.severity for f in findings] == [Severity.REVIEW]
    assert "cannot be verified" in findings[0].message


@pytest.mark.parametrize("name", ["extra.csv", "output_0_9.csv", "notes.txt"])
def test_a_file_results_json_does_not_describe_is_reported(tmp_path: Path, name: str) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    (out / name).write_text("region,count\nNorth,3\n")
    findings = [f for f in check_acro_results(doc, out, rules()) if f.location.member == name]
    assert [(f.rule, f.severity) for f in findings] == [(EVIDENCE, Severity.REVIEW)]
    assert findings[0].message.startswith("not described in ACRO's results.json")


@pytest.mark.parametrize("drop", ["cells", "all"])
def test_dropped_dominance_evidence_still_goes_to_review(tmp_path: Path, drop: str) -> None:
    out, doc = run_acro(
        tmp_path,
        lambda acro, d: acro.crosstab(d.year, d.grant_type, values=d.inc_grants, aggfunc="mean"),
        grants(dominated=True),
    )
    entry = doc["results"]["output_0"]
    if drop == "cells":
        entry["files"][0]["sdc"]["cells"] = {}
    else:
        entry.update(status="pass", summary="pass", files=[{"name": "output_0_0.csv", "sdc": {}}])
        entry.pop("fair", None)
    rewrite(out, doc)
    findings = check_acro_results(doc, out, rules())
    on_table = [f for f in findings if f.location.member == "output_0_0.csv"]
    assert [(f.rule, f.severity) for f in on_table] == [(EVIDENCE, Severity.REVIEW)]
    assert "not signed" in on_table[0].message


def test_a_count_table_needs_no_dominance_review(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    findings = check_acro_results(doc, out, rules())
    assert not [f for f in findings if "not signed" in f.message]
