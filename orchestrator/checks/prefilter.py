"""The fast path: find the few lines worth a precise look, in a handful of C-speed passes.

Running a dozen validating regular expressions over every byte would cost far more
than hashing the file. Instead each block of text is translated once into a *shape*
(digits become ``0``, capitals ``A``, dashes spaces; small letters and other
punctuation survive) and once into a *token map* (characters of base64, hex and
URL-encoded tokens become ``x``). Each family of checks has fixed needles whose
absence proves the family cannot match: a ten-digit run (``0000000000``), a spaced or
dashed number (``000 000``), a digit before a capital (``0A``: postcodes, NI numbers),
an rsID (``rs0``), a long token (``xxx…``), birth words, and so on. ``bytes.find``
skips through clean text in C, so a clean block costs two translations and a few
searches; only the lines around a needle meet the precise matchers in
:mod:`.identifiers`, :mod:`.credentials` and :mod:`.genomic_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Flag, auto


class Family(Flag):
    """Groups of checks that share a prefilter needle."""

    NONE = 0
    NUMBERS = auto()  # NHS numbers, phone numbers
    NI = auto()
    POSTCODE = auto()
    EMAIL = auto()
    BIRTH = auto()  # birth words: dates of birth; also "bearer"
    KEYS = auto()  # fixed-shape keys and tokens
    TOKENS = auto()  # long tokens: high entropy, nucleotide runs, long tokens
    RSIDS = auto()
    PROJECT = auto()  # patterns the rule set declares


def _shape_table() -> bytes:
    table = bytearray(range(256))
    for c in range(256):
        ch = chr(c)
        if "0" <= ch <= "9":
            table[c] = ord("0")
        elif "A" <= ch <= "Z":
            table[c] = ord("A")
        elif ch == "-":
            table[c] = ord(" ")
        elif ch == "(":
            table[c] = ord("+")
        elif c >= 0x80:
            table[c] = ord("~")
    return bytes(table)


def _token_table() -> bytes:
    token_chars = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-%"
    table = bytearray(b" " * 256)
    for c in token_chars:
        table[c] = ord("x")
    table[ord("\n")] = ord("\n")
    return bytes(table)


SHAPE = _shape_table()
TOKEN = _token_table()

# (needle in the shape, family). Each needle is necessary for its family to match.
_SHAPE_NEEDLES: tuple[tuple[bytes, Family], ...] = (
    (b"0000000000", Family.NUMBERS),  # 10+ digits in a row, +447700900123
    (b"000 000", Family.NUMBERS),  # 943 476 5919, 943-476-5919, 020 7946 0958, 07700 900123
    (b"0A", Family.POSTCODE | Family.NI),  # SW1A 1AA, M1 1AE, AB123456C
    (b"00 A", Family.NI),  # AB 12 34 56 C
    (b"AAAA", Family.KEYS | Family.BIRTH),  # AKIA…, -----BEGIN, BIRTH, BORN, BEARER
    (b"irth", Family.BIRTH),  # birth, Birth, date_of_birth
    (b"born", Family.BIRTH),
    (b"dob", Family.BIRTH),
    (b"d.o.b", Family.BIRTH),
    (b"earer", Family.KEYS),  # bearer, Bearer
)
# A needle whose first character is rare is found faster by the regex engine, which
# scans for the first character, than by bytes.find, which keys on the last one.
_RSID_NEEDLE = re.compile(rb"rs0")
# Literal markers searched in the original bytes.
_BYTE_NEEDLES: tuple[tuple[bytes, Family], ...] = (
    (b"@", Family.EMAIL),
    (b"+", Family.NUMBERS),  # +33 1 23 45 67 89 and other international groupings
    (b"DOB", Family.BIRTH),
    (b"D.O.B", Family.BIRTH),
    (b"Dob", Family.BIRTH),
    (b"Born", Family.BIRTH),
)


def _line_span(buf: bytes, pos: int) -> tuple[int, int]:
    start = buf.rfind(b"\n", 0, pos) + 1
    end = buf.find(b"\n", pos)
    return start, len(buf) if end < 0 else end


def _mark(spans: dict[int, tuple[int, Family]], buf: bytes, pos: int, family: Family) -> int:
    start, end = _line_span(buf, pos)
    old = spans.get(start)
    spans[start] = (end, family if old is None else old[1] | family)
    return end


def _search(
    spans: dict[int, tuple[int, Family]], buf: bytes, needle: bytes, family: Family
) -> None:
    pos = buf.find(needle)
    while pos >= 0:
        end = _mark(spans, buf, pos, family)
        pos = buf.find(needle, end)


def _search_re(
    spans: dict[int, tuple[int, Family]], buf: bytes, pattern: re.Pattern[bytes], family: Family
) -> None:
    pos = 0
    while (m := pattern.search(buf, pos)) is not None:
        pos = max(_mark(spans, buf, m.start(), family), m.start() + 1)


def candidate_lines(
    data: bytes, families: Family, token_length: int, extra: Iterable[re.Pattern[bytes]] = ()
) -> list[tuple[int, int, Family]]:
    """Byte spans ``(start, end, families)`` of the lines that may hold a match, in order.

    ``families`` limits the search to enabled checks; ``token_length`` is the shortest
    long token worth a look; ``extra`` patterns (project identifiers) run as they are.
    """
    spans: dict[int, tuple[int, Family]] = {}
    shape_needles = [(n, f) for n, f in _SHAPE_NEEDLES if f & families]
    if shape_needles:
        shape = data.translate(SHAPE)
        for needle, family in shape_needles:
            _search(spans, shape, needle, family)
        if families & Family.RSIDS:
            _search_re(spans, shape, _RSID_NEEDLE, Family.RSIDS)
    for needle, family in _BYTE_NEEDLES:
        if family & families:
            _search(spans, data, needle, family)
    if families & Family.TOKENS:
        _search(spans, data.translate(TOKEN), b"x" * max(token_length, 8), Family.TOKENS)
    for pattern in extra:
        _search_re(spans, data, pattern, Family.PROJECT)
    return sorted((start, end, fam) for start, (end, fam) in spans.items())
