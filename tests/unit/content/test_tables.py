"""The table scanner: layouts, disclosure-control cell checks, row-level data, identifiers in cells."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.checks.model import Location
from orchestrator.checks.tables import detect_layout

from .helpers import of_rule, rule_ids, rules, scan_table

MIN = "tables.min_cell_count"
ZEROS = "tables.zeros"


def cells(findings: list, rule: str) -> list[tuple[int | None, object]]:
    return [(f.location.row, f.location.column) for f in of_rule(findings, rule)]


def test_long_layout_flags_small_counts_and_zeros_by_row_and_column() -> None:
    found = scan_table(
        [
            ["region", "sex", "count"],
            ["North", "F", "120"],
            ["North", "M", "7"],
            ["South", "F", "0"],
            ["South", "M", "10"],
        ]
    )
    assert cells(found, MIN) == [(3, "count")]
    assert cells(found, ZEROS) == [(4, "count")]
    assert of_rule(found, MIN)[0].message == "count below the minimum of 10"


def test_wide_layout_flags_each_small_cell_including_margins() -> None:
    found = scan_table(
        [
            ["year", "A", "B", "All"],
            ["2010", "43", "5", "48"],
            ["2011", "42", "27", "69"],
            ["All", "85", "32", "9"],
        ]
    )
    assert cells(found, MIN) == [(2, "B"), (4, "All")]


def test_safe_tables_pass() -> None:
    assert scan_table([["year", "A", "B"], ["2010", "43", "15"], ["2011", "42", "27"]]) == []
    assert scan_table([["region", "n"], ["North", "120"], ["South", "10"]]) == []


def test_multi_level_headers_from_pandas_are_read_as_headers() -> None:
    rows = [
        ["survivor", "Alive", "Alive", "Dead"],
        ["grant_type", "A", "B", "A"],
        ["year", "", "", ""],
        ["2010", "12", "3", "40"],
    ]
    assert cells(scan_table(rows), MIN) == [(4, "Alive/B")]


def test_threshold_is_a_parameter() -> None:
    rows = [["group", "count"], ["a", "12"], ["b", "30"]]
    assert cells(scan_table(rows, rules(tables__min_cell_count={"threshold": 15})), MIN) == [
        (2, "count")
    ]


def test_rounding_applies_only_when_the_profile_sets_a_base() -> None:
    rows = [["group", "count"], ["a", "15"], ["b", "32"]]
    assert "tables.rounding" not in rule_ids(scan_table(rows))
    found = scan_table(rows, rules(tables__rounding={"base": 5}))
    assert cells(found, "tables.rounding") == [(3, "count")]


def test_tables_of_means_or_rates_are_not_count_tables() -> None:
    rows = [["group", "mean_income", "rate"], ["a", "1234.5", "0.3"], ["b", "3", "0.1"]]
    assert scan_table(rows) == []


def test_suppressed_cells_are_not_counts() -> None:
    rows = [
        ["group", "count"],
        ["a", "*"],
        ["b", "<5"],
        ["c", ""],
        ["d", "[REDACTED]"],
        ["e", "40"],
    ]
    assert scan_table(rows) == []


def test_layout_detection_by_value() -> None:
    layout = detect_layout(["age_band", "sex", "count", "percent"], [["40-44", "F", "12", "0.5"]])
    assert (layout.labels, layout.counts) == ((0, 1), (2,))
    wide = detect_layout(["year", "A", "B", "C"], [["2010", "1", "2", "3"]])
    assert (wide.labels, wide.counts) == ((0,), (1, 2, 3))


def test_row_level_data_with_a_person_identifier_is_blocked() -> None:
    rows = [["patient_id", "age", "sex", "value"]] + [
        [f"P{i:05d}", str(20 + i % 60), "MF"[i % 2], f"{i * 1.5}"] for i in range(50)
    ]
    found = of_rule(scan_table(rows), "tables.row_level_data")
    assert len(found) == 1
    assert "patient_id" in found[0].message
    assert found[0].location == Location(row=2)


def test_row_level_data_by_quasi_identifier_combinations() -> None:
    rows = [["age", "sex", "postcode_district", "bmi"]] + [
        [str(20 + i), "MF"[i % 2], f"LS{i % 9}", f"{20 + i / 7:.1f}"] for i in range(60)
    ]
    found = of_rule(scan_table(rows), "tables.row_level_data")
    assert len(found) == 1
    assert "distinct combination of age, sex, postcode_district" in found[0].message


def test_a_count_table_whose_counts_are_mostly_one_is_row_level_data() -> None:
    rows = [["practice", "age_band", "n"]] + [[f"practice {i}", "40-44", "1"] for i in range(30)]
    assert "tables.row_level_data" in rule_ids(scan_table(rows))


def test_aggregate_tables_are_not_row_level_data() -> None:
    areas = [["area_code", "count"]] + [[f"E0600{i:04d}", str(100 + i)] for i in range(300)]
    assert "tables.row_level_data" not in rule_ids(scan_table(areas))
    summary = [["age", "sex", "count"]] + [[str(a), s, "25"] for a in range(20, 40) for s in "MF"]
    assert "tables.row_level_data" not in rule_ids(scan_table(summary))
    few = [["patient_id", "value"]] + [[f"P{i}", "1.5"] for i in range(5)]
    assert "tables.row_level_data" not in rule_ids(scan_table(few))


def test_identifiers_in_cells_are_located_by_row_and_column_name() -> None:
    found = scan_table([["id", "notes"], ["1", "call 07700 900123"], ["2", "nhs 9434765919"]])
    assert [(f.rule, f.location) for f in found] == [
        ("identifiers.phone", Location(row=2, column="notes")),
        ("identifiers.nhs_number", Location(row=3, column="notes")),
    ]


def test_a_dob_column_makes_its_dates_dates_of_birth() -> None:
    found = scan_table([["id", "dob", "visit_date"], ["1", "01/02/1980", "2020-03-04"]])
    assert [(f.rule, f.location.column) for f in found] == [("identifiers.date_of_birth", "dob")]


def test_dates_outside_dob_columns_are_not_dates_of_birth() -> None:
    assert scan_table([["id", "visit_date"], ["1", "01/02/1980"]]) == []


def test_a_phone_column_makes_bare_digits_phone_numbers() -> None:
    found = scan_table([["name_code", "telephone"], ["x", "01632960001"]])
    assert [(f.rule, f.location.column) for f in found] == [("identifiers.phone", "telephone")]


def test_secrets_in_cells_are_found() -> None:
    found = scan_table([["key", "value"], ["aws", "AKIAIOSFODNN7EXAMPLE"]])
    assert [(f.rule, f.location) for f in found] == [
        ("secrets.cloud_keys", Location(row=2, column="value"))
    ]


def test_tables_longer_than_the_probe_are_checked_throughout() -> None:
    rows = [["group", "count"]] + [[f"g{i}", "50"] for i in range(500)] + [["last", "3"]]
    assert cells(scan_table(rows), MIN) == [(502, "count")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.text(max_size=12), max_size=8), max_size=60))
def test_arbitrary_rows_never_raise_and_stay_fast(rows: list[list[str]]) -> None:
    started = time.perf_counter()
    for finding in scan_table(rows):
        assert finding.rule
    assert time.perf_counter() - started < 1.0


_CELL = st.one_of(
    st.integers(-5, 50).map(str), st.sampled_from(["", "*", "A", "2010", "x@y.org", "1.5"])
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=80))
def test_arbitrary_numeric_tables_never_raise(rows: list[list[str]]) -> None:
    found = scan_table([["group", "a", "b"], *rows])
    assert all(f.location.row is None or f.location.row >= 2 for f in found)


def test_cells_can_be_left_to_the_text_scanner_while_column_context_stays() -> None:
    from orchestrator.checks.tables import make_table_scanner

    scanner = make_table_scanner(rules(), "t.csv", scan_cells=False)
    for row in [["id", "dob", "notes"], ["1", "01/02/1980", "nhs 9434765919"]]:
        scanner.feed_row(row)
    assert [(f.rule, f.location.column) for f in scanner.finish()] == [
        ("identifiers.date_of_birth", "dob")
    ]
