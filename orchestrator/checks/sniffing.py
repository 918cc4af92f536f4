"""Second looks at a file's first bytes: text in UTF-16, pickles that look like text,
the delimiter of a table, tables hiding in JSON, ACRO's checksum files.

:func:`~orchestrator.checks.filetypes.detect_type` decides most types from the first
bytes; these refine what it cannot see. Pure functions over bytes and parsed values.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import Any

from orchestrator.checks.streams import CHUNK, Readable

# --- UTF-16 text (Excel's "Unicode text") ------------------------------------------------


def utf16_encoding(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when ``head`` is UTF-16 text (with or without a BOM)."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    sample = head[:512] if len(head) % 2 == 0 else head[: min(512, len(head) - 1)]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    # ASCII text in UTF-16: every other byte is zero and the rest printable.
    if odd.count(0) == len(odd) and _printable(even):
        return "utf-16-le"
    if even.count(0) == len(even) and _printable(odd):
        return "utf-16-be"
    return None


def _printable(data: bytes) -> bool:
    return all(b >= 0x20 or b in (9, 10, 13) for b in data)


class Utf16Reader(io.RawIOBase):
    """Reads UTF-16 bytes from ``raw`` and gives the same text as UTF-8 (BOM dropped)."""

    def __init__(self, raw: Readable, encoding: str) -> None:
        super().__init__()
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""
        self._first = True
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else CHUNK
        while len(self._pending) < want and not self._done:
            data = self._raw.read(CHUNK)
            text = self._decoder.decode(data, final=not data)
            if self._first and text:
                text = text.removeprefix("\ufeff")
                self._first = False
            self._pending += text.encode("utf-8", "surrogatepass")
            self._done = not data
        out, self._pending = self._pending[:want], self._pending[want:]
        return out

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- pickles in protocol 0, which are plain text -------------------------------------------

_PICKLE0 = re.compile(
    rb"\((?:[dlt]p\d+\n|[dlt]\(|[dlt]V|[dlt]S'|[IFL]-?[\d.eE+-]+L?\n[^\n]*\n)"  # (dp0 (lp0 (l(d (I1\nI2\n
    rb"|c[A-Za-z_][\w.]*\n[A-Za-z_]\w*\n(?:p\d+\n|\()"  # ccopy_reg\n_reconstructor\n, cpandas...\nDataFrame\n
    rb"|[VS][^\n]*\np\d+\n\.",  # VHello\np0\n.
)


def is_text_pickle(head: bytes) -> bool:
    """True for a protocol-0 pickle: text, but a serialized object all the same."""
    return _PICKLE0.match(head) is not None


# --- the delimiter of a table -------------------------------------------------------------


def table_delimiter(text: str, kind: str) -> str | None:
    """The delimiter of the table that ``text`` (its first lines) starts, or None.

    CSV may be separated by semicolons (as Excel writes it where the comma is the decimal
    mark); other text is a table when its first lines have the same number of them.
    """
    if kind == "tsv":
        return "\t"
    lines = [line for line in text.split("\n")[:6] if line.strip()]
    if len(text.split("\n")) > 6:
        lines = lines[:5]
    if not lines:
        return "," if kind == "csv" else None
    if kind == "csv":
        return ";" if lines[0].count(";") > lines[0].count(",") else ","
    counts = {line.count(";") for line in lines}
    if len(lines) >= 2 and len(counts) == 1 and counts.pop() >= 1:
        return ";"
    return None


# --- tables in JSON -------------------------------------------------------------------------


def json_table(doc: Any) -> Iterator[list[str]] | None:
    """Header then rows when ``doc`` is a table: an array of records (also under a single
    key), or pandas' ``split`` or ``columns`` layouts; None otherwise."""
    if isinstance(doc, dict) and len(doc) == 1:
        (inner,) = doc.values()
        if _records(inner):
            doc = inner
    if _records(doc):
        columns: dict[str, None] = {}
        for record in doc:
            columns.update(dict.fromkeys(record))
        names = list(columns)
        return _rows([names], ([_cell(r.get(n)) for n in names] for r in doc))
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("columns"), list)
        and isinstance(doc.get("data"), list)
    ):
        data = [r for r in doc["data"] if isinstance(r, list)]
        return _rows([[_cell(c) for c in doc["columns"]]], ([_cell(v) for v in r] for r in data))
    if isinstance(doc, dict) and len(doc) >= 2 and all(isinstance(v, dict) for v in doc.values()):
        names = list(doc)
        index = list(dict.fromkeys(k for v in doc.values() for k in v))
        return _rows([names], ([_cell(doc[n].get(i)) for n in names] for i in index))
    return None


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _rows(head: list[list[str]], body: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from head
    yield from body


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- ACRO's checksum files ------------------------------------------------------------------

_SHA256 = re.compile(rb"[0-9a-f]{64}\s*")


def is_sha256_line(data: bytes) -> bool:
    """True when ``data`` is one SHA-256 digest in hex (as ACRO writes in checksums/)."""
    return _SHA256.fullmatch(data) is not None
