"""The SATRE mapping covers the whole specification and names only real tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli.satre_report import (
    Assessment,
    MappingError,
    Statement,
    check_coverage,
    load_mapping,
    load_statements,
    missing_evidence,
    render_compliance,
)


def test_every_statement_of_the_specification_is_assessed() -> None:
    statements = load_statements()
    assert len(statements) == 185
    check_coverage(statements, load_mapping())


def test_every_test_named_as_evidence_exists() -> None:
    assert missing_evidence(load_mapping()) == []


def test_met_is_claimed_only_with_evidence() -> None:
    for key, assessment in load_mapping().items():
        if assessment.status == "met":
            assert assessment.evidence, key


def test_evidence_must_be_a_test() -> None:
    for assessment in load_mapping().values():
        for entry in assessment.evidence:
            assert entry.startswith("tests/"), entry


def test_a_missing_test_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_real.py").write_text("def test_exists():\n    pass\n")
    mapping = {
        "1.1.01": Assessment("met", ("tests/test_real.py::test_exists",), ""),
        "1.1.02": Assessment("met", ("tests/test_gone.py",), ""),
        "1.1.03": Assessment("met", ("tests/test_real.py::test_gone",), ""),
    }
    assert missing_evidence(mapping, root=tmp_path) == [
        "1.1.02: tests/test_gone.py does not exist",
        "1.1.03: tests/test_real.py has no test test_gone",
    ]


def test_an_unassessed_statement_is_refused() -> None:
    statements = [Statement("9.9.99", "P", "C", "9.9", "You must.", "Mandatory")]
    with pytest.raises(MappingError, match=r"no assessment for 9\.9\.99"):
        check_coverage(statements, {})


def test_a_bad_status_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text('"1.1.01":\n  status: done\n')
    with pytest.raises(MappingError, match="status 'done' is not one of"):
        load_mapping(path)


def test_met_without_evidence_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text('"1.1.01":\n  status: met\n')
    with pytest.raises(MappingError, match="'met' needs at least one test path"):
        load_mapping(path)


def test_the_table_shows_status_and_evidence() -> None:
    table = render_compliance()
    assert "| 2.4.03 |" in table
    row = next(line for line in table.splitlines() if line.startswith("| 2.4.03 |"))
    assert "| met |" in row
    assert "`tests/unit/test_chart_values.py`" in row
