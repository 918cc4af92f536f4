"""Streaming text and delimited tables through the content scanners in one pass.

:func:`check_text_stream` reads a text file chunk by chunk, cuts each chunk at its last
line break (so scanners always receive whole lines), decodes it, feeds the text
scanner, counts lines with C-speed ``str.count`` and, for CSV/TSV, parses rows for the
table scanner. Rows are parsed and fed one by one only up to the row limit: a table
beyond it is already flagged as row-level data, and the remaining rows are only
counted, which keeps throughput within a small multiple of hashing. Lines longer than
:data:`MAX_LINE` are fed in pieces so memory stays flat.

:class:`LabelledText` feeds separately labelled pieces of text (notebook cells, sheet
cells, image metadata) through one scanner and maps findings back to their label.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace

from orchestrator.checks.context import Context
from orchestrator.checks.model import Finding, Location, TableScanner, TextScanner
from orchestrator.checks.sniffing import table_delimiter
from orchestrator.checks.streams import CHUNK, Readable

MAX_LINE = 4 * CHUNK
MAX_CSV_FIELD = 16 * CHUNK
MAX_COLUMNS = 16_384
"""Excel's column limit: a row with more cells is not a table a person could review."""


class _Lines:
    """An iterator ``csv.reader`` pulls lines from; refilled chunk by chunk."""

    def __init__(self) -> None:
        self.lines: Iterator[str] = iter(())

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        return next(self.lines)


class _Table:
    """Feeds parsed rows to the table scanner up to the row limit, then only counts."""

    def __init__(self, ctx: Context, scanner: TableScanner, delimiter: str, max_rows: int) -> None:
        self.ctx = ctx
        self.scanner = scanner
        self.source = _Lines()
        csv.field_size_limit(MAX_CSV_FIELD)
        self.reader = csv.reader(self.source, delimiter=delimiter)
        self.max_rows = max_rows
        self.rows = 0  # including the header
        self.parsing = True
        self.gave_up = False
        self.counted_lines = 0

    def feed(self, text: str, newlines: int) -> None:
        if not self.parsing:
            self.counted_lines += newlines
            return
        self.source.lines = iter(text.splitlines(keepends=True))
        for row in self.reader:
            self.rows += 1
            if len(row) > MAX_COLUMNS:
                self.give_up(f"row {self.rows} has {len(row):,} cells, more than {MAX_COLUMNS:,}")
                self.counted_lines += sum(line.count("\n") for line in self.source.lines)
                return
            self.scanner.feed_row(row)
            if self.rows - 1 >= self.max_rows:
                self.parsing = False
                rest = list(self.source.lines)
                self.counted_lines += sum(line.count("\n") for line in rest)
                return

    def give_up(self, reason: str) -> None:
        """Stop parsing rows: this is not a table the disclosure checks can judge."""
        if self.parsing:
            self.parsing = False
            self.gave_up = True
            self.ctx.add(
                "engine.malformed",
                f"{reason}; its cells were not checked as a table",
                Location(row=self.rows),
            )

    def finish(self, trailing: bool) -> None:
        data_rows = max(self.rows - 1, 0) + self.counted_lines
        if not self.parsing and trailing:
            data_rows += 1
        if data_rows > self.max_rows:
            covered = (
                ""
                if self.gave_up
                else f"; cell-level disclosure checks covered the first {self.max_rows:,}"
            )
            self.ctx.add(
                "limits.table_rows",
                f"table has {data_rows:,} data rows, more than the limit of {self.max_rows:,}{covered}",
                Location(row=self.max_rows + 2),
            )
        self.ctx.add_findings(self.scanner.finish())


def _safe_cut(data: bytes, quoted: bool) -> int:
    """Index just after the last line break at which no quoted CSV field is open, or -1."""
    cut = data.rfind(b"\n")
    if not quoted or cut < 0:
        return cut
    if data.count(b'"', 0, cut + 1) % 2 == 0:
        return cut
    # Inside a quoted field that spans lines: step back to an earlier balanced break.
    while cut > 0:
        cut = data.rfind(b"\n", 0, cut)
        if cut < 0 or data.count(b'"', 0, cut + 1) % 2 == 0:
            return cut
    return -1


def check_text_stream(ctx: Context, stream: Readable, kind: str, name: str) -> None:
    """Feed a text stream to the text scanner (and a table scanner for CSV/TSV)."""
    text_scanner = ctx.text_scanner()
    table: _Table | None = None
    sniffing = kind in ("csv", "tsv", "text")  # the table, if any, starts with the first piece
    carry = b""
    overlong = False
    line = 1
    offset = 0
    bad_encoding = False
    ends_with_newline = True
    while True:
        chunk = stream.read(CHUNK)
        data = carry + chunk if carry else chunk
        if not chunk:
            piece, carry, overlong = data, b"", False
        else:
            # Quoted fields matter only while rows are still parsed.
            cut = _safe_cut(data, sniffing or (table is not None and table.parsing))
            if cut < 0 and len(data) < MAX_LINE:
                carry = data
                continue
            overlong = cut < 0
            if overlong:
                cut = _utf8_boundary(data, len(data) - 1)
            piece, carry = data[: cut + 1], data[cut + 1 :]
        if piece:
            try:
                text = piece.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = piece.decode("utf-8", "replace")
                if not bad_encoding:
                    bad_encoding = True
                    ctx.add(
                        "type.encoding",
                        "text is not valid UTF-8; undecodable bytes were replaced for checking",
                        Location(offset=offset + exc.start),
                    )
            if sniffing:
                sniffing = False
                text = text.removeprefix("\ufeff")
                table = _start_table(ctx, text, kind, name)
            if overlong and table is not None:
                table.give_up(f"a line is longer than {MAX_LINE:,} bytes")
            newlines = piece.count(b"\n")
            text_scanner.feed(text, line)
            if table is not None:
                table.feed(text, newlines)
            line += newlines
            offset += len(piece)
            ends_with_newline = text.endswith("\n")
        if not chunk:
            break
    ctx.add_findings(text_scanner.finish())
    if table is not None:
        table.finish(trailing=not ends_with_newline)


def _start_table(ctx: Context, text: str, kind: str, name: str) -> _Table | None:
    """A table reader for CSV, TSV and delimited text (``;`` too), sniffed from ``text``."""
    delimiter = table_delimiter(text, kind)
    if delimiter is None:
        return None
    limit_rule = ctx.rules.get("limits.table_rows")
    max_rows = ctx.int_param("limits.table_rows", "max_rows", 5000) if limit_rule else 2**62
    return _Table(ctx, ctx.table_scanner(name), delimiter, max_rows)


def _utf8_boundary(data: bytes, index: int) -> int:
    """The largest index <= ``index`` that ends a whole UTF-8 character."""
    end = index
    while end > 0 and (data[end] & 0xC0) == 0x80 and index - end < 4:
        end -= 1
    if data[end] >= 0xC0:
        end -= 1
    return end


class LabelledText:
    """Feeds labelled pieces of text through one scanner and maps findings back to labels."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.scanner: TextScanner | None = None  # made on first use: no text, no scanner
        self.line = 1
        self.spans: list[tuple[int, int, str]] = []  # first line, last line, label

    def feed(self, label: str, text: str) -> None:
        if not text:
            return
        if not text.endswith("\n"):
            text += "\n"
        lines = text.count("\n")
        if self.scanner is None:
            self.scanner = self.ctx.text_scanner()
        self.scanner.feed(text, self.line)
        self.spans.append((self.line, self.line + lines - 1, label))
        self.line += lines

    def finish(self) -> None:
        if self.scanner is not None:
            self.ctx.add_findings([self._relabel(f) for f in self.scanner.finish()])

    def _relabel(self, finding: Finding) -> Finding:
        line = finding.location.line
        if line is None:
            return finding
        for first, last, label in self.spans:
            if first <= line <= last:
                inner = finding.location.member
                member = label if inner is None else f"{label} {inner}"
                return replace(
                    finding,
                    location=replace(finding.location, line=line - first + 1, member=member),
                )
        return finding
