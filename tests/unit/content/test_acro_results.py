"""ACRO results.json: checksums verified, each output recomputed, ACRO's status never trusted.

Each test runs the real ACRO 1.0.2 on synthetic data into a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.checks.acro import check_acro_results, looks_like_acro_results
from orchestrator.checks.model import Location, Severity

from .acro_sessions import grants, run_acro
from .helpers import of_rule, rules


def table_findings(findings: list) -> list:
    return [f for f in findings if f.rule != "tables.acro_evidence"]


def test_an_acro_results_document_is_recognised() -> None:
    assert looks_like_acro_results({"version": "1.0.2", "tool": {"name": "ACRO"}, "results": {}})
    assert looks_like_acro_results({"results": {"output_0": {"files": [], "status": "pass"}}})
    assert not looks_like_acro_results({"results": {"x": 1}})
    assert not looks_like_acro_results([{"results": {}}])
    assert not looks_like_acro_results({"name": "package.json"})


def test_a_safe_crosstab_passes_and_acros_own_summaries_need_review(tmp_path: Path) -> None:
    data = grants()
    safe = data[data.grant_type != "C"].copy()
    safe["grant_type"] = safe["grant_type"].cat.remove_unused_categories()
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), safe)
    findings = check_acro_results(doc, out, rules())
    assert table_findings(findings) == []
    assert {f.location.member for f in findings} == {"session_summary.json", "session_summary.csv"}
    assert all(f.severity is Severity.REVIEW for f in findings)


def test_small_counts_and_zeros_are_recomputed_from_the_released_table(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    findings = table_findings(check_acro_results(doc, out, rules()))
    assert [(f.rule, f.location) for f in findings] == [
        ("tables.min_cell_count", Location(row=2, column="C", member="output_0_0.csv")),
        ("tables.zeros", Location(row=3, column="C", member="output_0_0.csv")),
    ]


def test_unsuppressed_margins_block_although_acro_reports_review(tmp_path: Path) -> None:
    out, doc = run_acro(
        tmp_path,
        lambda acro, d: acro.crosstab(d.year, d.grant_type, margins=True),
        grants(),
        suppress=True,
    )
    assert doc["results"]["output_0"]["status"] == "review"  # what ACRO 1.0.2 claims
    blocking = [f for f in check_acro_results(doc, out, rules()) if f.severity is Severity.BLOCK]
    assert blocking, "ACRO left disclosive cells in a suppressed table with margins"
    assert all("ACRO reported status 'review'" in f.message for f in blocking)


def test_a_table_changed_after_acro_wrote_it_is_blocked(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    path = out / "output_0_0.csv"
    path.write_text(path.read_text().replace(",3\n", ",30\n"))
    findings = of_rule(check_acro_results(doc, out, rules()), "tables.acro_evidence")
    assert [(f.severity, f.location.member) for f in findings if "SHA-256" in f.message] == [
        (Severity.BLOCK, "output_0_0.csv")
    ]
    assert not of_rule(check_acro_results(doc, out, rules()), "tables.min_cell_count")


def test_a_missing_output_file_or_checksum_is_blocked(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    (out / "checksums" / "output_0_0.csv.txt").unlink()
    messages = [
        f.message for f in check_acro_results(doc, out, rules()) if f.severity is Severity.BLOCK
    ]
    assert any("no checksum recorded" in m for m in messages)
    (out / "output_0_0.csv").unlink()
    messages = [
        f.message for f in check_acro_results(doc, out, rules()) if f.severity is Severity.BLOCK
    ]
    assert any("missing from the folder" in m for m in messages)


def test_an_edited_results_json_is_blocked(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    doc["results"]["output_0"]["status"] = "pass"
    (out / "results.json").write_text(json.dumps(doc))
    findings = of_rule(check_acro_results(doc, out, rules()), "tables.acro_evidence")
    assert any(
        f.location.member == "results.json" and f.severity is Severity.BLOCK for f in findings
    )


def test_unsafe_file_names_in_results_are_refused(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    doc["results"]["output_0"]["files"][0]["name"] = "../../etc/passwd"
    findings = check_acro_results(doc, out, rules())
    assert any("unsafe name" in f.message and f.severity is Severity.BLOCK for f in findings)


def test_dominated_cells_left_in_a_table_of_means_are_blocked(tmp_path: Path) -> None:
    out, doc = run_acro(
        tmp_path,
        lambda acro, d: acro.crosstab(d.year, d.grant_type, values=d.inc_grants, aggfunc="mean"),
        grants(dominated=True),
    )
    findings = check_acro_results(doc, out, rules())
    dominance = of_rule(findings, "tables.dominance")
    assert [f.location for f in dominance] == [Location(row=2, column="B", member="output_0_0.csv")]
    assert dominance[0].severity is Severity.BLOCK
    assert [f.location for f in of_rule(findings, "tables.p_percent")] == [
        Location(row=2, column="B", member="output_0_0.csv")
    ]


def test_suppressed_dominated_cells_are_not_findings(tmp_path: Path) -> None:
    out, doc = run_acro(
        tmp_path,
        lambda acro, d: acro.crosstab(d.year, d.grant_type, values=d.inc_grants, aggfunc="mean"),
        grants(dominated=True),
        suppress=True,
    )
    findings = check_acro_results(doc, out, rules())
    assert not of_rule(findings, "tables.dominance")
    assert not of_rule(findings, "tables.p_percent")


def test_evidence_from_looser_acro_parameters_needs_review(tmp_path: Path) -> None:
    out, doc = run_acro(
        tmp_path,
        lambda acro, d: acro.crosstab(d.year, d.grant_type, values=d.inc_grants, aggfunc="mean"),
        grants(),
    )
    config = json.loads((out / "config.json").read_text())
    config.update(safe_nk_k=0.99, safe_pratio_p=0.01)
    (out / "config.json").write_text(json.dumps(config))
    findings = check_acro_results(doc, out, rules())
    weaker = [f for f in findings if "weaker than this rule set" in f.message]
    assert {(f.rule, f.severity) for f in weaker} == {
        ("tables.dominance", Severity.REVIEW),
        ("tables.p_percent", Severity.REVIEW),
    }


def test_stricter_rule_set_thresholds_are_applied_to_acro_tables(tmp_path: Path) -> None:
    out, doc = run_acro(tmp_path, lambda acro, d: acro.crosstab(d.year, d.grant_type), grants())
    strict = rules(tables__min_cell_count={"threshold": 16})
    cells = [
        f.location.column
        for f in of_rule(check_acro_results(doc, out, strict), "tables.min_cell_count")
    ]
    assert sorted(cells) == ["B", "B", "C"]  # 15 and 12 now too small as well as 3


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    results=st.dictionaries(
        st.text(max_size=8),
        _JSON
        | st.fixed_dictionaries(
            {
                "type": st.sampled_from(["table", "custom", "regression"]),
                "status": st.sampled_from(["pass", "review", "fail"]),
                "files": st.lists(
                    st.fixed_dictionaries({"name": st.text(max_size=12), "sdc": _JSON}) | _JSON,
                    max_size=3,
                ),
                "outcome": _JSON | st.just({"A": {"2010": "ok"}}) | st.just({"A": 3}),
                "fair": _JSON,
                "summary": _JSON,
            }
        ),
        max_size=4,
    )
)
def test_malformed_results_never_raise(tmp_path: Path, results: dict) -> None:
    import hashlib

    (tmp_path / "out.csv").write_text("year,A\n2010,3\n")
    (tmp_path / "checksums").mkdir(exist_ok=True)
    digest = hashlib.sha256((tmp_path / "out.csv").read_bytes()).hexdigest()
    (tmp_path / "checksums" / "out.csv.txt").write_text(digest)
    findings = check_acro_results({"results": results}, tmp_path, rules())
    assert all(f.rule and f.message for f in findings)
