"""Identifiers as researchers actually write them: in delimited cells, in small letters,
as compact or timestamped dates, in oddly named columns, with bracketed prefixes.

Each class is tried in several spellings and positions; the clean counterparts show
the checks do not fire on ordinary prose and tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.checks.engine import check_file
from orchestrator.checks.identifiers import is_dob_column
from orchestrator.checks.model import Finding
from orchestrator.checks.rulesets import load_named_ruleset

from .helpers import of_rule, rules, scan_table, scan_text

NHS = "identifiers.nhs_number"
POSTCODE = "identifiers.uk_postcode"
NI = "identifiers.ni_number"
DOB = "identifiers.date_of_birth"
PHONE = "identifiers.phone"


def check(tmp_path: Path, name: str, data: bytes) -> list[Finding]:
    path = tmp_path / name
    path.write_bytes(data)
    report = check_file(path, load_named_ruleset("default"), name=name)
    return list(report.findings)


@pytest.mark.parametrize(
    "row",
    [
        "B,4505577104,31.5",  # between commas, a decimal after
        "4505577104,12",  # first field
        "x,12,4505577104",  # last field
        "x;4505577104;7",  # semicolons
        "x,450 557 7104,25",  # spaced, beside a count of 25
        "x,450-557-7104,40",
        '"x","4505577104","11"',  # quoted fields
    ],
)
def test_nhs_numbers_in_delimited_rows_are_found(tmp_path: Path, row: str) -> None:
    data = f"group,nhs,value\n{row}\n".encode()
    found = of_rule(check(tmp_path, "out.csv", data), NHS)
    assert len(found) == 1, row
    assert found[0].location.line == 2


@pytest.mark.parametrize(
    "text",
    ["total 4,505,577,104 pounds", "value 4505577104.5", "ratio 0.4505577104", "id A4505577104"],
)
def test_numbers_that_only_contain_nhs_digits_are_not_nhs_numbers(text: str) -> None:
    assert of_rule(scan_text(text), NHS) == []


@pytest.mark.parametrize(
    "text",
    ["lives at sw1a 1aa", "postcode: m1 1ae.", "(ec1a1bb)", "ls2 9jt,12", "cf10 3at"],
)
def test_small_letter_postcodes_are_found(text: str) -> None:
    found = of_rule(scan_text(text), POSTCODE)
    assert len(found) == 1, text
    assert found[0].message.startswith("full UK postcode ")
    assert found[0].message.split()[3].isupper()


@pytest.mark.parametrize(
    "text", ["the 1st and 2nd waves", "Sw1a 1Aa", "covid19 3rd dose", "on the 21st of may"]
)
def test_ordinals_and_mixed_case_are_not_postcodes(text: str) -> None:
    assert of_rule(scan_text(text), POSTCODE) == []


@pytest.mark.parametrize(
    "text", ["ni: ab123456c", "ni ab 12 34 56 c", "jk123456 a", "id,hg123456b,3"]
)
def test_small_letter_ni_numbers_are_found(text: str) -> None:
    assert len(of_rule(scan_text(text), NI)) == 1, text


@pytest.mark.parametrize(
    "text",
    [
        "DOB: 19800501",
        "dob=19751231",
        "Date of birth: 1980-05-01T00:00:00",
        "born 1980-05-01 00:00:00",
        "birth date 1980-05-01T13:45:00Z",
        "born on the 3rd of May 1980",
        "born in Leeds on 3 March 1975",
    ],
)
def test_compact_and_timestamped_birth_dates_are_found(text: str) -> None:
    assert len(of_rule(scan_text(text), DOB)) == 1, text


@pytest.mark.parametrize(
    "text",
    [
        "The cohort includes people born in 1958 and followed up until 31/12/2015.",
        "Participants born 1950-1959 were invited on 2020-03-04.",
        "admitted 2019-03-04 after the birth of their first child",
        "born in 1958",
        "order 19800501 shipped",
    ],
)
def test_a_year_of_birth_in_prose_is_not_a_date_of_birth(text: str) -> None:
    assert of_rule(scan_text(text), DOB) == []


@pytest.mark.parametrize(
    "name", ["patient_dob", "birth_dt", "patientDob", "pt_birth_dt", "DOB (dd/mm/yyyy)", "dob_date"]
)
def test_more_dob_column_names(name: str) -> None:
    assert is_dob_column(name)


@pytest.mark.parametrize("value", ["19800501", "1980-05-01", "01/05/1980", "1980-05-01T00:00:00"])
@pytest.mark.parametrize("column", ["patient_dob", "birth_dt", "PatientBirthDate"])
def test_every_date_in_a_dob_column_is_a_date_of_birth(column: str, value: str) -> None:
    found = of_rule(scan_table([["ref", column, "n"], ["r1", value, "12"]]), DOB)
    assert [(f.location.row, f.location.column) for f in found] == [(2, column)]


@pytest.mark.parametrize(
    "text",
    [
        "Call (0123) 456789 today",
        "office (01632) 960 123",
        "x,(0114) 496 0000,3",
        "(020) 7946 0958",
    ],
)
def test_phone_numbers_with_a_bracketed_prefix_are_found(text: str) -> None:
    assert len(of_rule(scan_text(text), PHONE)) == 1, text


def test_the_operator_allowlist_releases_public_postcodes_and_numbers() -> None:
    text = "Samples were analysed at the lab, sw1a 2aa; switchboard (020) 7946 0958.\n"
    listed = rules(
        identifiers__uk_postcode={"allowlist": ["SW1A 2AA"]},
        identifiers__phone={"allowlist": ["020 7946 0958"]},
    )
    assert of_rule(scan_text(text, listed), POSTCODE) == []
    assert of_rule(scan_text(text, listed), PHONE) == []
    # Another postcode on the same line is still found.
    other = of_rule(scan_text(text + "home: SW1A 1AA\n", listed), POSTCODE)
    assert [f.location.line for f in other] == [2]


def test_clean_reports_and_tables_pass(tmp_path: Path) -> None:
    prose = (
        b"Methods. Of the 1,204 people born in 1958, 310 attended the 2nd and 3rd visits.\n"
        b"Follow-up ended on 31/12/2015. Table 2 shows counts by region.\n"
    )
    table = b"region,year,count\nNorth,2019,120\nSouth,2019,340\nEast,2020,55\n"
    assert check(tmp_path, "methods.txt", prose) == []
    assert check(tmp_path, "counts.csv", table) == []
