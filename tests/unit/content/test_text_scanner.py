"""The text scanner as the pipeline drives it: chunks of lines, locations, caps, speed."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.checks.model import Location, Severity
from orchestrator.checks.text import BLOCK_CHARS, MAX_FINDINGS_PER_RULE, make_text_scanner

from .helpers import of_rule, rules, scan_text

NHS_LINE = "patient 943 476 5919 seen\n"


def test_locations_are_the_line_and_column_in_the_file() -> None:
    found = scan_text("a\nb\n" + NHS_LINE, first_line=10)
    assert [f.location for f in found] == [Location(line=12, column=9)]
    assert found[0].severity is Severity.BLOCK


def test_line_numbers_hold_across_chunks_and_internal_blocks() -> None:
    filler = "clean,1,2,3\n" * (BLOCK_CHARS // 12 + 500)  # spans more than one block
    scanner = make_text_scanner(rules())
    scanner.feed(filler + NHS_LINE, 1)
    second = filler.count("\n") + 2
    scanner.feed("x\n" + NHS_LINE, second)
    lines = [f.location.line for f in scanner.finish()]
    assert lines == [filler.count("\n") + 1, second + 1]


def test_non_ascii_text_keeps_columns_in_characters() -> None:
    found = scan_text("é—ü 943 476 5919\n")
    assert found[0].location == Location(line=1, column=5)


def test_findings_per_rule_are_capped_with_a_count_of_the_rest() -> None:
    found = of_rule(scan_text(NHS_LINE * (MAX_FINDINGS_PER_RULE + 7)), "identifiers.nhs_number")
    assert len(found) == MAX_FINDINGS_PER_RULE + 1
    assert (
        found[-1].message
        == f"7 further matches of this rule not listed ({MAX_FINDINGS_PER_RULE + 7} in all)"
    )


def test_clean_text_has_no_findings() -> None:
    text = (
        "region,sex,age_band,visit_date,value,count\n"
        "E06000023,F,45-49,2020-01-03,12.345678,1234\n"
        "The cohort included 12,345 people followed for 10 years (95% CI 1.2-3.4).\n"
    ) * 50
    assert scan_text(text) == []


def test_severity_comes_from_the_rule_set() -> None:
    from dataclasses import replace

    from orchestrator.checks.content_rules import DEFAULTS
    from orchestrator.checks.model import RuleSet

    rule = replace(DEFAULTS["identifiers.email"], severity=Severity.BLOCK)
    found = scan_text("a.b@example.org", RuleSet("t", "1", {rule.id: rule}))
    assert [f.severity for f in found] == [Severity.BLOCK]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_arbitrary_text_never_raises_and_stays_fast(text: str) -> None:
    started = time.perf_counter()
    scanner = make_text_scanner(rules())
    scanner.feed(text, 1)
    for finding in scanner.finish():
        assert finding.location.line is not None
        assert finding.location.line >= 1
    assert time.perf_counter() - started < 1.0


_ALPHABET = st.sampled_from(list("0123456789 -+()@.:/AaBbCcGgTtNnrsDOBirth\n,=_xKIS"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=4000).map("".join))
def test_identifier_like_noise_never_raises_and_stays_fast(text: str) -> None:
    started = time.perf_counter()
    found = scan_text(text)
    assert all(f.rule and f.message for f in found)
    assert time.perf_counter() - started < 1.0


def test_a_huge_single_line_is_read_through_windows_with_true_columns() -> None:
    filler = "é" + "x, " * 100_000  # one line of 300 kB, with a non-ASCII character first
    text = filler + "NHS 943 476 5919 " + "y; " * 50_000 + "mail a.b@example.org\n"
    started = time.perf_counter()
    found = scan_text(text)
    assert time.perf_counter() - started < 2.0
    assert [(f.rule, f.location) for f in found] == [
        ("identifiers.nhs_number", Location(line=1, column=len(filler) + 5)),
        ("identifiers.email", Location(line=1, column=text.index("a.b@") + 1)),
    ]


def test_many_birth_words_on_one_line_stay_linear() -> None:
    started = time.perf_counter()
    found = scan_text("DOB 01/02/1980 " * 20_000)
    assert time.perf_counter() - started < 5.0
    assert len(of_rule(found, "identifiers.date_of_birth")) == MAX_FINDINGS_PER_RULE + 1


def test_a_block_of_plain_numbers_skips_no_identifier_that_follows_it() -> None:
    # A numeric table without a b, a B or a digit before a space lets the scanner skip
    # whole families of passes; identifiers after it, in the same block, still count.
    table = "".join(f"North West,{2000 + i % 25},male,{10 + i},{i % 97}.25\n" for i in range(3000))
    tail = "nhs 943 476 5919\nni AB 12 34 56 C\nborn 01/02/1990\nBearer abcdefghijklmnopqrstuvwxyz012345\n"
    found = scan_text(table + tail)
    assert [(f.rule, f.location.line) for f in found] == [
        ("identifiers.nhs_number", 3001),
        ("identifiers.ni_number", 3002),
        ("identifiers.date_of_birth", 3003),
        ("secrets.tokens", 3004),
    ]
