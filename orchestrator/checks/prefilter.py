"""The fast path: find the few lines worth a precise look, in a handful of C-speed passes.

Running a dozen validating regular expressions over every byte would cost far more
than hashing the file. Instead each block of text is translated once into a *shape*
(digits become ``0``, capitals ``A``, small letters ``a``, dashes spaces; other
punctuation survives) and once into a *token map* (characters of base64, hex and
URL-encoded tokens become ``x``). Each family of checks has fixed needles whose
absence proves the family cannot match: a ten-digit run (``0000000000``), a spaced or
dashed number (``000 000``), a digit before a capital (``0A``: postcodes, NI numbers),
an rsID (``rs0``), a long token (``xxx…``), birth words, and so on. ``bytes.find``
skips through clean text in C, so a clean block costs two translations and a few
searches; only the lines around a needle meet the precise matchers in
:mod:`.identifiers`, :mod:`.credentials` and :mod:`.genomic_text`.

Passes a block cannot need are skipped: needles for words that always hold a b or B
(birth words, "bearer") only run when the block has one (a memchr), and the spaced
number needles only from the first digit-space pair. A table of plain numbers then
costs the two translations and eight searches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class Family:
    """Bit flags for groups of checks that share a prefilter needle (plain ints: fast)."""

    NONE = 0
    NUMBERS = 1  # NHS numbers, phone numbers
    NI = 2
    POSTCODE = 4
    EMAIL = 8
    BIRTH = 16  # birth words: dates of birth
    KEYS = 32  # fixed-shape keys and tokens, "bearer"
    TOKENS = 64  # long tokens: high entropy, nucleotide runs, long keys
    RSIDS = 128
    PROJECT = 256  # patterns the rule set declares
    GENOTYPES = 512  # genotype calls: 0/1, 1|1


def _shape_table() -> bytes:
    table = bytearray(range(256))
    for c in range(256):
        ch = chr(c)
        if "0" <= ch <= "9":
            table[c] = ord("0")
        elif "A" <= ch <= "Z":
            table[c] = ord("A")
        elif "a" <= ch <= "z":
            table[c] = ord("a")
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

# (needle in the shape, family, gate). Each needle is necessary for its family to match.
# A needle with a gate is searched only in blocks holding one of the gate's bytes (one
# memchr-fast ``in`` each): every birth word and "bearer" has a b or a B, so text
# without either (most numeric tables) skips those passes.
_B = b"bB"
_SHAPE_NEEDLES: tuple[tuple[bytes, int, bytes], ...] = (
    (b"0000000000", Family.NUMBERS, b""),  # 10+ digits in a row, +447700900123
    (b"000 000", Family.NUMBERS, b""),  # 943 476 5919, 943-476-5919, 020 7946 0958
    (b"0A", Family.POSTCODE | Family.NI, b""),  # SW1A 1AA, M1 1AE, AB123456C
    (b"00 A", Family.NI, b""),  # AB 12 34 56 C
    # Small letters: a digit then a letter ends an NI number (ab123456c) and starts a
    # postcode's inward code (sw1a 1aa). Every needle holding a digit costs a byte-by-byte
    # pass over digit-heavy text, so there are as few as the checks allow.
    (b"0a", Family.POSTCODE | Family.NI, b""),
    (b"00 00 00 a", Family.NI, b""),  # ab 12 34 56 c
    (b"000000 a", Family.NI, b""),  # ab123456 c
    # Genotype calls (0/1, 1|1) end at a separator; dates (00/00/0000) go on with a digit
    # or a slash. Only in blocks holding a / or a |.
    (b"0/0\t", Family.GENOTYPES, b"/"),
    (b"0/0,", Family.GENOTYPES, b"/"),
    (b"0/0 ", Family.GENOTYPES, b"/"),
    (b"0/0\x1f", Family.GENOTYPES, b"/"),  # between cells the table scanner joins
    (b"0|0", Family.GENOTYPES, b"|"),
    (b"AAAA", Family.KEYS | Family.BIRTH, b""),  # AKIA…, -----BEGIN, BIRTH, BORN, BEARER
)
_SPACED = b"0 "
# Literal markers searched in the original bytes.
_BYTE_NEEDLES: tuple[tuple[bytes, int, bytes], ...] = (
    (b"@", Family.EMAIL, b""),
    (b"+", Family.NUMBERS, b""),  # +33 1 23 45 67 89 and other international groupings
    (b"(0", Family.NUMBERS, b""),  # (0123) 456789, (020) 7946 0958
)
# Words searched in the block in small letters (one ``bytes.lower`` pass), only when
# the block holds a b or B: every one of them has one.
_WORD_NEEDLES: tuple[tuple[bytes, int], ...] = (
    (b"irth", Family.BIRTH),  # birth, Birth, date_of_birth
    (b"born", Family.BIRTH),
    (b"dob", Family.BIRTH),
    (b"d.o.b", Family.BIRTH),
    (b"earer", Family.KEYS),  # bearer, Bearer
)
_WORD_FAMILIES = Family.BIRTH | Family.KEYS
# A needle whose first character is rare is found faster by the regex engine, which
# scans for the first character, than by bytes.find, which keys on the last one.
_RSID_NEEDLE = re.compile(rb"rs[0-9]")


# A line longer than this is looked at through windows around each needle, so that a
# huge single-line file costs time in proportion to its length, not length x hits.
LONG_LINE = 64 * 1024
WINDOW = 4 * 1024


def _line_span(buf: bytes, pos: int) -> tuple[int, int]:
    """The line holding ``pos``, or a window of it around ``pos`` when the line is long."""
    lo = max(0, pos - LONG_LINE)
    before = buf.rfind(b"\n", lo, pos)
    start = before + 1 if before >= 0 or lo == 0 else lo
    hi = min(len(buf), pos + LONG_LINE)
    after = buf.find(b"\n", pos, hi)
    end = after if after >= 0 else hi
    if end - start >= LONG_LINE:
        start, end = max(start, pos - WINDOW), min(end, pos + WINDOW)
    return start, end


def _mark(spans: dict[int, tuple[int, int]], buf: bytes, pos: int, family: int) -> int:
    start, end = _line_span(buf, pos)
    old = spans.get(start)
    if old is not None:
        end, family = max(end, old[0]), family | old[1]
    spans[start] = (end, family)
    return end


def _search(
    spans: dict[int, tuple[int, int]], buf: bytes, needle: bytes, family: int, start: int = 0
) -> None:
    pos = buf.find(needle, start)
    while pos >= 0:
        end = _mark(spans, buf, pos, family)
        pos = buf.find(needle, end)


def _search_re(
    spans: dict[int, tuple[int, int]], buf: bytes, pattern: re.Pattern[bytes], family: int
) -> None:
    pos = 0
    while (m := pattern.search(buf, pos)) is not None:
        pos = max(_mark(spans, buf, m.start(), family), m.start() + 1)


def candidate_lines(
    data: bytes, families: int, token_length: int, extra: Iterable[re.Pattern[bytes]] = ()
) -> list[tuple[int, int, int]]:
    """Byte spans ``(start, end, families)`` of the lines (or, in very long lines, the
    windows) that may hold a match, in order and not overlapping.

    ``families`` limits the search to enabled checks; ``token_length`` is the shortest
    long token worth a look; ``extra`` patterns (project identifiers) run as they are.
    """
    spans: dict[int, tuple[int, int]] = {}
    gates: dict[bytes, bool] = {b"": True}

    def wanted(family: int, gate: bytes) -> bool:
        if not family & families:
            return False
        if gate not in gates:
            gates[gate] = any(byte in data for byte in gate)
        return gates[gate]

    shape_needles = [(n, f) for n, f, gate in _SHAPE_NEEDLES if wanted(f, gate)]
    if shape_needles:
        shape = data.translate(SHAPE)
        # Needles holding a digit then a space or dash ("000 000", "00 A") cannot start
        # before the first such pair: one short search spares their slower ones, and in
        # a table of plain numbers there is usually no pair at all.
        spaced = shape.find(_SPACED)
        for needle, family in shape_needles:
            at = needle.find(_SPACED)
            if at < 0:
                _search(spans, shape, needle, family)
            elif spaced >= 0:
                _search(spans, shape, needle, family, max(spaced - at, 0))
    if families & Family.RSIDS:
        _search_re(spans, data, _RSID_NEEDLE, Family.RSIDS)
    for needle, family, gate in _BYTE_NEEDLES:
        if wanted(family, gate):
            _search(spans, data, needle, family)
    if wanted(_WORD_FAMILIES, _B):
        lowered = data.lower()
        for needle, family in _WORD_NEEDLES:
            if family & families:
                _search(spans, lowered, needle, family)
    if families & Family.TOKENS:
        _search(spans, data.translate(TOKEN), b"x" * max(token_length, 8), Family.TOKENS)
    for pattern in extra:
        _search_re(spans, data, pattern, Family.PROJECT)
    merged: list[tuple[int, int, int]] = []
    for start, (end, fam) in sorted(spans.items()):
        if merged and start < merged[-1][1]:  # overlapping windows of one long line
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] | fam)
        else:
            merged.append((start, end, fam))
    return merged
