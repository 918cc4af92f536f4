"""Spreadsheet parts: shared strings in compact, bounded storage, and worksheets as rows.

Shared strings are kept as blocks of joined text with an offset table, about one byte
per character plus four per string, and limited in count (:data:`MAX_SHARED_STRINGS`)
and in the bytes of their part (:data:`MAX_SHARED_STRINGS_BYTES`) *while* reading, so a
workbook of millions of short strings cannot take hundreds of MiB. Strings no cell uses
are still scanned as text (:meth:`SharedStrings.unused`).

A worksheet is recognised by its root element, wherever its part is. Its rows go to a
table scanner (up to the row limit) and, every one of them, to the text scanner, with
the row number as the line; formulas and every other text of the sheet (headers,
footers, data validation lists, hyperlinks) go to the text scanner too.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator

from orchestrator.checks.streams import Readable
from orchestrator.checks.xmlparts import local, walk

MAX_SHARED_STRINGS = 4_000_000
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_COLUMNS = 16_384
"""Excel's column limit."""
_BLOCK = 1 << 14
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_CELL_PARTS = frozenset({"c", "v", "is", "r", "t", "rPr", "row", "sheetData"})


class TooManyStrings(Exception):
    """The shared-strings part holds more strings than the limit."""


class SharedStrings:
    """A workbook's shared strings, compactly stored; remembers which ones cells used."""

    def __init__(self) -> None:
        self._blocks: list[str] = []
        self._offsets: list[array[int]] = []
        self._pending: list[str] = []
        self._used = bytearray()
        self.count = 0

    def append(self, text: str) -> None:
        if self.count >= MAX_SHARED_STRINGS:
            raise TooManyStrings(
                f"the workbook has more than {MAX_SHARED_STRINGS:,} shared strings"
            )
        self._pending.append(text)
        self.count += 1
        if len(self._pending) == _BLOCK:
            self._seal()

    def _seal(self) -> None:
        offsets = array("I", [0])
        total = 0
        for text in self._pending:
            total += len(text)
            offsets.append(total)
        self._blocks.append("".join(self._pending))
        self._offsets.append(offsets)
        self._pending = []

    def done(self) -> None:
        """Reading finished: seal the last block and start tracking use."""
        if self._pending:
            self._seal()
        self._used = bytearray(self.count)

    def get(self, index: int) -> str:
        if not 0 <= index < self.count:
            return ""
        self._used[index] = 1
        block, slot = divmod(index, _BLOCK)
        offsets = self._offsets[block]
        return self._blocks[block][offsets[slot] : offsets[slot + 1]]

    def unused(self) -> Iterator[tuple[int, str]]:
        """(index, text) of every string no cell referred to."""
        for index in range(self.count):
            if not self._used[index]:
                block, slot = divmod(index, _BLOCK)
                offsets = self._offsets[block]
                yield index, self._blocks[block][offsets[slot] : offsets[slot + 1]]


def read_shared_strings(stream: Readable) -> SharedStrings:
    """Read a shared-strings part (``sst``) into compact storage."""
    strings = SharedStrings()
    texts: list[str] = []
    for element, _ in walk(stream):
        name = local(element.tag)
        if name == "t":
            texts.append(element.text or "")
        elif name == "si":
            strings.append("".join(texts))
            texts = []
    strings.done()
    return strings


def column_index(ref: str) -> int:
    """0-based column of a cell reference such as ``AB12``, or -1."""
    match = _CELL_REF.match(ref)
    if not match:
        return -1
    index = 0
    for char in match.group(1)[:4]:
        index = index * 26 + (ord(char) - 64)
    return index - 1


SheetItem = tuple[str, list[str]]
"""``("row", cells)`` for each row, ``("text", [text])`` for any other text of the sheet."""


def sheet_items(stream: Readable, shared: SharedStrings) -> Iterator[SheetItem]:
    """Rows (gaps filled with empty strings) and every other text of a worksheet part."""
    row: list[str] = []
    value: str | None = None
    inline: list[str] = []
    for element, _ in walk(stream):
        name = local(element.tag)
        if name == "v":
            value = element.text or ""
        elif name == "t":
            inline.append(element.text or "")
        elif name == "f":
            if element.text:
                yield "text", [element.text]
        elif name == "c":
            text = "".join(inline) if value is None else value
            if element.get("t") == "s" and value is not None:
                text = shared.get(int(value)) if value.isdigit() and len(value) < 12 else ""
            column = column_index(element.get("r", ""))
            if len(row) < column < MAX_COLUMNS:
                row.extend([""] * (column - len(row)))
            if len(row) < MAX_COLUMNS:
                row.append(text)
            value, inline = None, []
        elif name == "row":
            yield "row", row
            row = []
        elif name not in _CELL_PARTS:
            texts = [v for v in element.attrib.values() if v.strip()]
            if element.text and element.text.strip():
                texts.append(element.text.strip())
            if texts:
                yield "text", texts
