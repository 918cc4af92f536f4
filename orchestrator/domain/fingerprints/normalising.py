"""One canonical text for every cell and header, so a table survives format conversion.

CSV gives text, XLSX gives numbers and dates, Parquet gives typed values: all of them
become the same normalised strings here, and a row becomes a salted 64-bit digest of its
cells ordered by normalised column name (so re-ordered columns and rows do not matter).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)
def parse_number(text: str) -> Decimal | None:
    """The cell as a finite decimal number, or None when it is not one."""
    stripped = text.strip()
    if not _NUMBER.match(stripped):
        return None
    try:
        number = Decimal(stripped)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def canonical_number(number: Decimal) -> str:
    """``70``, ``70.0`` and ``7e1`` all become ``70``; ``72.50`` becomes ``72.5``."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def normalise_cell(value: object) -> str:
    """The canonical text of one cell, whatever the file format gave for it."""
    if type(value) is str:
        return _normalise_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return canonical_number(Decimal(repr(value))) if value == value else ""
    if isinstance(value, Decimal):
        return canonical_number(value) if value.is_finite() else ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _normalise_text(str(value))


@lru_cache(maxsize=1 << 16)
def _normalise_text(text: str) -> str:
    """Text cells repeat (categories, ages, rounded values), so their form is cached."""
    number = parse_number(text)
    if number is not None:
        return canonical_number(number)
    return _SPACES.sub(" ", text.strip()).casefold()


def normalise_header(name: object) -> str:
    """A column name in canonical form: trimmed, lower-case, inner spaces as ``_``."""
    return _SPACES.sub("_", str("" if name is None else name).strip()).casefold()


class RowDigester:
    """Salted 64-bit digests of normalised rows, cells ordered by column name."""

    def __init__(self, columns: Sequence[object], salt: bytes) -> None:
        headers = [normalise_header(c) for c in columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"the table has repeated column names: {headers}")
        self.columns = tuple(sorted(headers))
        self._order = tuple(sorted(range(len(headers)), key=lambda i: headers[i]))
        self._salt = salt

    def digest(self, row: Sequence[object]) -> int:
        """The row's digest; rows shorter than the header are padded with empty cells."""
        cells = [normalise_cell(row[i]) if i < len(row) else "" for i in self._order]
        data = "\x1f".join(cells).encode()
        return int.from_bytes(hashlib.blake2b(data, digest_size=8, key=self._salt).digest(), "big")
