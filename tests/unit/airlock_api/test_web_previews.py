"""Table and text previews put each finding on its cell or line and sum up each column."""

from __future__ import annotations

from decimal import Decimal

from orchestrator.api.web.previews import kind_of, summarise, table_preview, text_preview
from orchestrator.checks.model import Finding, Location, Severity

SMALL = Finding("basic.small-count", Severity.REVIEW, "small count", Location(row=3, column="n"))
TABLE = b"group,n,rate\na,120,0.5\nb,3,*\nc,0,\nd,45,NA\n"


def test_a_flagged_cell_carries_its_finding_and_no_other_cell_does() -> None:
    preview = table_preview("counts.csv", TABLE, [SMALL])
    assert preview.header == ("group", "n", "rate")
    flagged = [
        (number, index, cell.text)
        for number, cells in preview.rows
        for index, cell in enumerate(cells)
        if cell.findings
    ]
    assert flagged == [(3, 1, "3")]
    assert preview.unplaced == ()


def test_column_summaries_count_numbers_missing_and_redacted_cells() -> None:
    n, rate = table_preview("counts.csv", TABLE, []).summaries[1:]
    assert (n.numbers, n.minimum, n.minimum_nonzero, n.maximum, n.total) == (
        4,
        Decimal(0),
        Decimal(3),
        Decimal(120),
        Decimal(168),
    )
    assert n.divisible_by_5 == "75%"
    assert (n.missing, n.redacted) == (0, 0)
    assert (rate.numbers, rate.missing, rate.redacted, rate.divisible_by_5) == (1, 2, 1, "—")


def test_a_finding_outside_the_table_is_listed_apart() -> None:
    elsewhere = Finding("t.rows", Severity.REVIEW, "too few rows", Location(row=40, column="n"))
    preview = table_preview("counts.csv", TABLE, [elsewhere])
    assert preview.unplaced == (elsewhere,)


def test_tsv_columns_may_be_named_by_position() -> None:
    by_index = Finding("r", Severity.REVIEW, "m", Location(row=2, column=2))
    preview = table_preview("t.tsv", b"a\tb\n1\t2\n", [by_index])
    assert [c.text for c in preview.rows[0][1] if c.findings] == ["2"]


def test_text_lines_are_numbered_and_flagged() -> None:
    key = Finding("basic.private-key", Severity.BLOCK, "a private key", Location(line=2))
    preview = text_preview(b"first\n-----BEGIN PRIVATE KEY-----\nlast", [key])
    assert [(n, line, len(f)) for n, line, f in preview.lines] == [
        (1, "first", 0),
        (2, "-----BEGIN PRIVATE KEY-----", 1),
        (3, "last", 0),
    ]


def test_summaries_of_an_empty_column() -> None:
    empty = summarise("x", ["", "NA"])
    assert (empty.numbers, empty.minimum, empty.total, empty.missing) == (0, None, None, 2)


def test_previews_are_chosen_by_name() -> None:
    assert [kind_of(n) for n in ["a.CSV", "b.tsv", "c.txt", "d.png", "dir.v2/noext"]] == [
        "table",
        "table",
        "text",
        "none",
        "none",
    ]
