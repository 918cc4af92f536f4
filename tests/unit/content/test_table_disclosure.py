"""Tables that slipped past disclosure control: suppression markers beside small counts,
frequency tables keyed by a number, and row-level data whatever its column names."""

from __future__ import annotations

import pytest

from orchestrator.checks.model import Finding

from .helpers import of_rule, scan_table

MIN = "tables.min_cell_count"
ROW_LEVEL = "tables.row_level_data"


def cells(findings: list[Finding], rule: str) -> list[tuple[int | None, object]]:
    return [(f.location.row, f.location.column) for f in of_rule(findings, rule)]


@pytest.mark.parametrize(
    "marker", ["<5", "< 10", "≤5", "<=5", "[c]", "[x]", "[z]", "*", "**", "~", "c", "supp", "(s)"]
)
def test_a_suppression_marker_does_not_hide_the_small_counts_beside_it(marker: str) -> None:
    found = scan_table(
        [
            ["region", "count"],
            ["North", marker],
            ["South", "3"],
            ["East", "120"],
            ["West", "45"],
        ]
    )
    assert cells(found, MIN) == [(3, "count")], marker


@pytest.mark.parametrize("position", [0, 1, 3])
def test_markers_anywhere_in_a_wide_table_keep_every_column_a_count(position: int) -> None:
    rows = [["year", "A", "B"], ["2019", "40", "30"], ["2020", "4", "120"], ["2021", "55", "7"]]
    rows.insert(position + 1, ["2018", "<5", "[c]"])
    found = scan_table(rows)
    assert sorted(str(c) for _, c in cells(found, MIN)) == ["A", "B"]
    assert len(of_rule(found, MIN)) == 2


def test_a_fully_suppressed_table_passes() -> None:
    assert scan_table([["region", "n"], ["North", "<10"], ["South", "[c]"], ["East", "40"]]) == []


@pytest.mark.parametrize(
    ("key", "count"),
    [("score", "n"), ("value", "frequency"), ("number_of_visits", "patients"), ("x", "count")],
)
def test_frequency_tables_keyed_by_a_number_are_checked(key: str, count: str) -> None:
    found = scan_table([[key, count], ["1", "120"], ["2", "4"], ["3", "77"], ["4", "15"]])
    assert cells(found, MIN) == [(3, count)]


def test_a_table_of_measurements_keyed_by_a_number_is_not_a_frequency_table() -> None:
    assert scan_table([["x", "y"], ["1", "1.5"], ["2", "4.25"], ["3", "7.0"]]) == []


def _people(n: int, header: list[str], make) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [header] + [make(i) for i in range(n)]


def _date(i: int) -> str:
    return f"{1 + i % 28:02d}.{1 + i * 7 % 12:02d}.{1940 + i * 3 % 60}"


_FIRST = ["Ann", "Bob", "Cai", "Dee", "Eli", "Fay"]
_LAST = ["Hill", "Khan", "Lowe", "Moss", "Nash", "Owen"]


def _name(i: int) -> str:
    return f"{_FIRST[i % 6]} {_LAST[i // 6 % 6]}"


@pytest.mark.parametrize(
    "rows",
    [
        # A key column of any name beside a column of individual dates.
        _people(30, ["who", "when", "grp"], lambda i: [_name(i), _date(i), "ab"[i % 2]]),
        _people(30, ["a", "b", "c"], lambda i: [f"name{i}x", _date(i), str(20 + i)]),
        # Individual dates beside small-area geography, no key at all.
        _people(
            30,
            ["c1", "c2", "c3", "c4"],
            lambda i: [_date(i), f"E0100{i % 7:04d}", "MF"[i % 2], "2.5"],
        ),
        # A key beside postcodes in a dataset.
        _people(30, ["k", "area", "bmi"], lambda i: [_name(i), f"LS{i % 9} 2AB", "22.5"]),
        # "Whatever its counts": a key and dates beside counts of 10 or more.
        _people(30, ["k", "d", "n"], lambda i: [_name(i), _date(i), str(10 + i)]),
    ],
)
def test_row_level_data_is_found_whatever_the_columns_are_called(rows: list[list[str]]) -> None:
    found = of_rule(scan_table(rows), ROW_LEVEL)
    assert len(found) == 1
    assert found[0].message.startswith("row-level data, not an aggregate: ")


@pytest.mark.parametrize(
    "rows",
    [
        _people(30, ["date", "count"], lambda i: [f"2020-01-{i + 1:02d}", str(20 + i)]),
        _people(30, ["lsoa_name", "lsoa", "count"], lambda i: [f"Area {i}", f"E0100{i:04d}", "40"]),
        _people(
            30,
            ["date", "region", "count"],
            lambda i: [f"2020-01-{i // 3 + 1:02d}", "NSE"[i % 3], "25"],
        ),
    ],
)
def test_aggregates_by_date_or_area_are_not_row_level_data(rows: list[list[str]]) -> None:
    assert of_rule(scan_table(rows), ROW_LEVEL) == []
