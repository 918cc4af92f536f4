"""What the pipeline must read as text or as a table although it does not look like one
at first sight: UTF-16 and UTF-8-BOM text, ``;``-separated tables, tables in JSON,
pickles written as text, ACRO's checksum files."""

from __future__ import annotations

import codecs
import hashlib
import json
import pickle
from pathlib import Path

import pytest

from orchestrator.checks.engine import FileReport, check_file
from orchestrator.checks.model import Verdict
from orchestrator.checks.rulesets import load_named_ruleset


def check(path: Path, data: bytes) -> FileReport:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return check_file(path, load_named_ruleset("default"), name=path.name)


def rules_of(report: FileReport) -> set[str]:
    return {f.rule for f in report.findings}


TABLE = "region,count\nNorth,120\nSouth,130\nEast,45\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_text_csv_from_excel_is_read_as_a_table(tmp_path: Path, encoding: str) -> None:
    clean = check(tmp_path / "clean.csv", TABLE.encode(encoding))
    assert (clean.type, clean.verdict, clean.findings) == ("csv", Verdict.PASS, ())
    small = check(tmp_path / "small.csv", (TABLE + "West,3\n").encode(encoding))
    assert [(f.rule, f.location.row, f.location.column) for f in small.findings] == [
        ("tables.min_cell_count", 5, "count")
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_identifiers_in_utf16_text_are_found(tmp_path: Path, encoding: str) -> None:
    report = check(tmp_path / "notes.txt", "Patient 450 557 7104 seen.\n".encode(encoding))
    assert rules_of(report) == {"identifiers.nhs_number"}
    assert report.findings[0].location.line == 1


def test_a_utf8_bom_does_not_rename_the_first_column(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + b"dob,n\n01/05/1980,12\n"
    report = check(tmp_path / "t.csv", data)
    assert [(f.rule, f.location.column) for f in report.findings] == [
        ("identifiers.date_of_birth", "dob")
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("counts.csv", "region;count\nNorth;3\nSouth;120\nEast;45\n"),
        ("counts.txt", "region;count\nNorth;3\nSouth;120\nEast;45\n"),
        ("export", "area;sex;n\nA;F;120\nA;M;4\nB;F;77\n"),
    ],
)
def test_semicolon_separated_tables_are_checked_as_tables(
    tmp_path: Path, name: str, text: str
) -> None:
    report = check(tmp_path / name, text.encode())
    assert "tables.min_cell_count" in rules_of(report)


def test_prose_with_semicolons_is_not_a_table(tmp_path: Path) -> None:
    prose = b"We met twice; once in May.\nThe rest was fine.\nNo cells; 3 notes.\n"
    assert check(tmp_path / "notes.txt", prose).findings == ()


def _records(n: int) -> list[dict[str, object]]:
    first, last = ["Ann", "Bob", "Cai", "Dee", "Eli"], ["Hill", "Khan", "Lowe", "Moss", "Nash"]
    return [
        {
            "name": f"{first[i % 5]} {last[i // 5 % 5]}",
            "when": f"{1 + i % 28:02d}.{1 + i % 12:02d}.{1950 + i}",
            "score": 40 + i,
        }
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "doc",
    [
        _records(25),  # an array of records
        {"patients": _records(25)},  # the same under one key
        {  # pandas orient="split"
            "columns": ["name", "when", "score"],
            "data": [list(r.values()) for r in _records(25)],
        },
    ],
)
def test_row_level_data_as_json_is_flagged(tmp_path: Path, doc: object) -> None:
    report = check(tmp_path / "data.json", json.dumps(doc).encode())
    assert "tables.row_level_data" in rules_of(report)


def test_counts_in_json_records_are_checked(tmp_path: Path) -> None:
    doc = [{"region": "North", "n": 120}, {"region": "South", "n": 4}, {"region": "East", "n": 90}]
    report = check(tmp_path / "counts.json", json.dumps(doc).encode())
    assert [(f.rule, f.location.row, f.location.column) for f in report.findings] == [
        ("tables.min_cell_count", 3, "n")
    ]


def test_json_that_is_not_a_table_passes(tmp_path: Path) -> None:
    doc = {"model": "ols", "coefficients": {"age": 0.12, "sex": -0.3}, "n": 1204}
    assert check(tmp_path / "model.json", json.dumps(doc).encode()).findings == ()


@pytest.mark.parametrize(
    "value",
    [[{"nhs": "4505577104", "age": 40}], {"a": 1}, "a string", (1, 2.5), [1, 2, 3]],
)
def test_protocol_0_pickles_are_serialized_objects(tmp_path: Path, value: object) -> None:
    report = check(tmp_path / "data.txt", pickle.dumps(value, protocol=0))
    assert report.type == "pickle"
    assert report.verdict == Verdict.BLOCK
    assert "serialized.objects" in rules_of(report)


def test_acro_checksum_files_are_recognised_not_flagged_as_keys(tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    table = b"year,A\n2010,43\n"
    (out / "checksums").mkdir(parents=True)
    (out / "results.json").write_text("{}")
    (out / "output_0.csv").write_bytes(table)
    digest = hashlib.sha256(table).hexdigest().encode()
    assert check(out / "checksums" / "output_0.csv.txt", digest).findings == ()
    # A hex string that is not the digest of the file it names is judged like any other.
    other = hashlib.sha256(b"a key").hexdigest().encode()
    lone = check(out / "checksums" / "output_0.csv.txt", other)
    assert rules_of(lone) == {"secrets.high_entropy"}
    moved = check(tmp_path / "elsewhere" / "output_0.csv.txt", digest)
    assert rules_of(moved) == {"secrets.high_entropy"}
