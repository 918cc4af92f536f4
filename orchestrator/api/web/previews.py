"""Safe previews of quarantined files for reviewers: tables and text, with findings on them.

Everything here turns bytes into plain values that the templates escape; no file
content is ever served with its own content type or rendered as markup.
Row numbers follow the checks: the header is row 1, the first data row is row 2;
a finding's column is a header name or a 1-based index.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from orchestrator.checks.model import Finding

MAX_PREVIEW_BYTES = 20 * 1024 * 1024
"""Larger files are not previewed in the browser."""
MAX_TABLE_ROWS = 5000
MAX_TEXT_LINES = 20000
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "."})
"""Cell texts counted as missing (compared without case or surrounding space)."""
REDACTED = frozenset({"*", "**", "c", "x", "<5", "<10", "redacted", "[redacted]", "suppressed"})
"""Cell texts counted as redacted (suppressed) values."""
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
TEXT_SUFFIXES = frozenset(
    {".txt", ".md", ".log", ".py", ".r", ".do", ".sas", ".sql", ".json", ".yaml", ".yml", ".tex"}
)


@dataclass(frozen=True)
class ColumnSummary:
    """Figures a reviewer checks a column of counts with."""

    name: str
    numbers: int
    minimum: Decimal | None
    minimum_nonzero: Decimal | None
    maximum: Decimal | None
    total: Decimal | None
    divisible_by_5: str
    """Share of whole numbers divisible by 5, as a percentage text ("—" with none)."""
    missing: int
    redacted: int


@dataclass(frozen=True)
class Cell:
    text: str
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class TablePreview:
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    """(row number as the checks count it, cells)."""
    summaries: tuple[ColumnSummary, ...]
    truncated: bool
    unplaced: tuple[Finding, ...] = field(default=())
    """Findings about the table that name no cell."""


@dataclass(frozen=True)
class TextPreview:
    lines: tuple[tuple[int, str, tuple[Finding, ...]], ...]
    truncated: bool
    unplaced: tuple[Finding, ...] = ()


def kind_of(name: str) -> str:
    """``table``, ``text`` or ``none``: how a file of this name is previewed."""
    lower = name.lower()
    suffix = lower[lower.rfind(".") :] if "." in lower.rsplit("/", 1)[-1] else ""
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return "none"


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "")) if text else None
    except InvalidOperation:
        return None
    return value if value is not None and value.is_finite() else None


def summarise(name: str, values: Sequence[str]) -> ColumnSummary:
    numbers: list[Decimal] = []
    missing = redacted = 0
    for raw in values:
        text = raw.strip()
        if text.lower() in MISSING:
            missing += 1
        elif text.lower() in REDACTED:
            redacted += 1
        else:
            number = _number(text)
            if number is not None:
                numbers.append(number)
    whole = [n for n in numbers if n == n.to_integral_value()]
    nonzero = [n for n in numbers if n != 0]
    share = f"{100 * sum(1 for n in whole if n % 5 == 0) / len(whole):.0f}%" if whole else "—"
    return ColumnSummary(
        name=name,
        numbers=len(numbers),
        minimum=min(numbers) if numbers else None,
        minimum_nonzero=min(nonzero) if nonzero else None,
        maximum=max(numbers) if numbers else None,
        total=sum(numbers, Decimal(0)) if numbers else None,
        divisible_by_5=share,
        missing=missing,
        redacted=redacted,
    )


def table_preview(name: str, data: bytes, findings: Sequence[Finding]) -> TablePreview:
    lower = name.lower()
    delimiter = TABLE_SUFFIXES[lower[lower.rfind(".") :]]
    reader = csv.reader(io.StringIO(_decode(data), newline=""), delimiter=delimiter)
    header = tuple(next(reader, []))
    body: list[list[str]] = []
    truncated = False
    for line in reader:
        if len(body) >= MAX_TABLE_ROWS:
            truncated = True
            break
        body.append(line)
    width = max([len(header), *(len(r) for r in body)], default=0)
    names = [header[i] if i < len(header) else str(i + 1) for i in range(width)]
    placed: dict[tuple[int, int], list[Finding]] = {}
    unplaced: list[Finding] = []
    for finding in findings:
        row, column = finding.location.row, finding.location.column
        index = names.index(column) if isinstance(column, str) and column in names else None
        if isinstance(column, int) and 1 <= column <= width:
            index = column - 1
        if row is not None and index is not None and 2 <= row < len(body) + 2:
            placed.setdefault((row, index), []).append(finding)
        else:
            unplaced.append(finding)
    rows = tuple(
        (
            number,
            tuple(
                Cell(r[i] if i < len(r) else "", tuple(placed.get((number, i), ())))
                for i in range(width)
            ),
        )
        for number, r in enumerate(body, start=2)
    )
    summaries = tuple(
        summarise(names[i], [r[i] if i < len(r) else "" for r in body]) for i in range(width)
    )
    return TablePreview(tuple(names), rows, summaries, truncated, tuple(unplaced))


def text_preview(data: bytes, findings: Sequence[Finding]) -> TextPreview:
    by_line: dict[int, list[Finding]] = {}
    unplaced: list[Finding] = []
    for finding in findings:
        if finding.location.line is not None:
            by_line.setdefault(finding.location.line, []).append(finding)
        else:
            unplaced.append(finding)
    lines = _decode(data).splitlines()
    truncated = len(lines) > MAX_TEXT_LINES
    shown = tuple(
        (number, line, tuple(by_line.get(number, ())))
        for number, line in enumerate(lines[:MAX_TEXT_LINES], start=1)
    )
    return TextPreview(shown, truncated, tuple(unplaced))
