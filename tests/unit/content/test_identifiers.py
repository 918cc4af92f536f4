"""Direct identifiers in text: each matcher with positive cases and false-positive guards."""

from __future__ import annotations

import pytest

from orchestrator.checks.identifiers import is_dob_column, nhs_check_digit_ok

from .helpers import of_rule, rule_ids, rules, scan_text

NHS = "identifiers.nhs_number"


@pytest.mark.parametrize("digits", ["9434765919", "4010232137", "6541230986"])
def test_valid_nhs_check_digits_pass_modulus_11(digits: str) -> None:
    assert nhs_check_digit_ok(digits)


@pytest.mark.parametrize(
    "digits", ["9434765918", "1234567890", "0000000000", "123456789", "943476591x"]
)
def test_invalid_nhs_numbers_fail_modulus_11(digits: str) -> None:
    assert not nhs_check_digit_ok(digits)


@pytest.mark.parametrize("text", ["NHS 9434765919", "nhs no: 943 476 5919", "id=943-476-5919;"])
def test_nhs_number_found_plain_spaced_or_dashed(text: str) -> None:
    found = of_rule(scan_text(text), NHS)
    assert len(found) == 1
    assert found[0].message == "NHS number 943 *** **** (valid check digit)"
    assert "5919" not in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "grand total 1234567890 across sites",  # ten digits, fails modulus 11
        "total 9434765918",  # one digit off a valid number
        "value 0.9434765919",  # digits of a decimal
        "ts 19434765919",  # part of a longer number
        "943 476 59190",
    ],
)
def test_ten_digit_numbers_that_are_not_nhs_numbers_are_ignored(text: str) -> None:
    assert NHS not in rule_ids(scan_text(text))


@pytest.mark.parametrize(
    "text", ["London SW1A 1AA", "M1 1AE.", "B33 8TH", "CR2 6XH", "EC1A1BB,x", "DN55 1PT"]
)
def test_full_postcodes_are_found(text: str) -> None:
    found = of_rule(scan_text(text), "identifiers.uk_postcode")
    assert len(found) == 1
    assert "1AA" not in found[0].message
    assert "8TH" not in found[0].message


@pytest.mark.parametrize(
    "text", ["district SW1A only", "QA1 1AA", "1ST place", "M1 1CA", "sample AB12 3CD4"]
)
def test_partial_or_impossible_postcodes_are_ignored(text: str) -> None:
    assert "identifiers.uk_postcode" not in rule_ids(scan_text(text))


def test_email_is_found_and_redacted() -> None:
    found = of_rule(scan_text("contact jane.doe+x@nhs.example.org today"), "identifiers.email")
    assert [f.message for f in found] == ["e-mail address j***@***.org"]


@pytest.mark.parametrize("text", ["@handle on social", "name@localhost", "a@b", "x @ y.com"])
def test_non_addresses_are_not_emails(text: str) -> None:
    assert "identifiers.email" not in rule_ids(scan_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "call 020 7946 0958",
        "tel: (020) 7946 0958",
        "mob 07700 900123",
        "07700900123",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+33 1 23 45 67 89",
        "+1-212-555-0123",
        "phone 01632960001",
    ],
)
def test_phone_numbers_are_found(text: str) -> None:
    found = of_rule(scan_text(text), "identifiers.phone")
    assert len(found) == 1, text
    assert "0958" not in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "order 01632960001 shipped",  # phone-like order number
        "invoice no. 01632 960001",
        "total 0123456789",
        "population 1234567890",
        "count 3456",
        "1.0207946095",
        "+5",
    ],
)
def test_order_numbers_and_totals_are_not_phone_numbers(text: str) -> None:
    assert "identifiers.phone" not in rule_ids(scan_text(text))


@pytest.mark.parametrize("text", ["NI AB123456C", "ni: AB 12 34 56 C", "JG103759A,x"])
def test_ni_numbers_with_valid_prefixes_are_found(text: str) -> None:
    found = of_rule(scan_text(text), "identifiers.ni_number")
    assert len(found) == 1
    assert "123456" not in found[0].message
    assert "12 34" not in found[0].message


@pytest.mark.parametrize("text", ["GB123456A", "QQ123456C", "DA123456A", "AB123456E", "AB1234567C"])
def test_ni_numbers_with_invalid_prefixes_or_suffixes_are_ignored(text: str) -> None:
    assert "identifiers.ni_number" not in rule_ids(scan_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "DOB: 01/02/1980",
        "d.o.b. 1980-02-01",
        "Date of birth 1 February 1980",
        "born on March 3, 1975 in Leeds",
        "1980-02-01 (DOB)",
        "birth_date=12.11.1964",
    ],
)
def test_dates_in_a_birth_context_are_dates_of_birth(text: str) -> None:
    found = of_rule(scan_text(text), "identifiers.date_of_birth")
    assert len(found) == 1, text
    assert "1980" not in found[0].message
    assert "1975" not in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "visit date 01/02/2020",
        "admitted 2019-03-04, discharged 2019-03-09",
        "report of 1 February 2021",
        "the birth cohort was followed for ten years",  # birth word, no date
        "DOB 31/02/1980",  # not a real date
    ],
)
def test_dates_that_are_not_birth_dates_are_ignored(text: str) -> None:
    assert "identifiers.date_of_birth" not in rule_ids(scan_text(text))


def test_a_birth_word_claims_only_the_nearest_date() -> None:
    found = of_rule(scan_text("DOB 01/02/1980, visit 2020-03-04"), "identifiers.date_of_birth")
    assert [f.location.column for f in found] == [5]


@pytest.mark.parametrize(
    "name", ["dob", "DOB", "date_of_birth", "Date of Birth", "birth_date", "BirthDate"]
)
def test_dob_like_column_names(name: str) -> None:
    assert is_dob_column(name)


@pytest.mark.parametrize("name", ["date", "visit_date", "birth_weight_kg", "doctor", "born_in_uk"])
def test_other_column_names_are_not_dob_columns(name: str) -> None:
    assert not is_dob_column(name)


def test_project_patterns_from_the_rule_set_are_found() -> None:
    rule_set = rules(
        identifiers__project_pattern={
            "patterns": [{"name": "participant", "regex": r"\bPRJ-\d{6}\b"}, r"\bS\d{8}\b"]
        }
    )
    found = of_rule(
        scan_text("sample S12345678 from PRJ-004211\nPRJ-12", rule_set),
        "identifiers.project_pattern",
    )
    assert sorted(f.message for f in found) == [
        "project identifier (participant) PR***",
        "project identifier (pattern 2) S1***",
    ]


def test_a_bad_project_pattern_is_an_error_naming_the_rule() -> None:
    with pytest.raises(ValueError, match=r"identifiers\.project_pattern.*not a valid regex"):
        scan_text("x", rules(identifiers__project_pattern={"patterns": ["(unclosed"]}))


def test_absent_or_disabled_rules_are_skipped() -> None:
    text = "NHS 9434765919 mail a.b@example.org"
    assert rule_ids(scan_text(text, rules(only=["identifiers.email"]))) == {"identifiers.email"}
    assert scan_text(text, rules(only=[])) == []
