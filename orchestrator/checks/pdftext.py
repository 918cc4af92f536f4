"""Text of PDF content: strings decoded and joined the way a viewer shows them.

A viewer shows ``[(469) -20 (0067929)] TJ`` as one word, ``<343639>`` as ``469`` and
``(\\064\\066\\071)`` as ``469``, so hiding an identifier that way must not hide it
from the checks. :func:`pdf_text` tokenises content in one linear pass (a regular
expression with possessive repetition, no backtracking), decodes literal strings
(escapes, octal) and hex strings (UTF-16 with a byte-order mark, else Latin-1), joins
the strings one text line shows (``Tj``, ``TJ``, ``'``, ``"``) and starts a new line
where the text moves to another line (``T*``, ``Td``/``TD`` with a vertical move,
``Tm``, ``BT``/``ET``). Strings not shown by a text operator (dictionary values such
as ``/Author``, or object streams) become lines of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(
    rb"\((?:[^()\\]|\\.)*+\)?"  # literal string (an unclosed one ends at the next paren)
    rb"|<[0-9A-Fa-f\s]*+>"  # hex string (never a dictionary's <<)
    rb"|\[|\]"
    rb"|[-+]?(?:\d++\.?\d*+|\.\d++)"
    rb"|[A-Za-z'\"*][A-Za-z0-9*]*+",
    re.DOTALL,
)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.DOTALL)
_SIMPLE_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_WORD_GAP = -200.0
"""A TJ adjustment this negative (thousandths of an em) is a space between words."""
_SHOW = frozenset({b"Tj", b"'", b'"'})
_NEW_LINE = frozenset({b"T*", b"BT", b"ET", b"Tm", b"'", b'"'})
_MOVE = frozenset({b"Td", b"TD"})


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    if code in (b"\n", b"\r", b"\r\n"):
        return b""
    return _SIMPLE_ESCAPES.get(code, code)


def _decode(raw: bytes) -> str:
    if raw[:2] == b"\xfe\xff":
        return raw[2:].decode("utf-16-be", "replace")
    if raw[:3] == b"\xef\xbb\xbf":
        return raw[3:].decode("utf-8", "replace")
    return raw.decode("latin-1")


def decode_string(token: bytes) -> str:
    """The text of a literal ``(...)`` or hex ``<...>`` string token."""
    if token[:1] == b"<":
        digits = re.sub(rb"\s", b"", token[1:-1])
        if len(digits) % 2:
            digits += b"0"
        return _decode(bytes.fromhex(digits.decode("ascii")))
    body = token[1:-1] if token.endswith(b")") and len(token) > 1 else token[1:]
    return _decode(_ESCAPE.sub(_unescape, body))


def _number(token: bytes) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


class _Lines:
    def __init__(self) -> None:
        self.line: list[str] = []
        self.loose: list[str] = []
        self.array: list[str] | None = None
        self.operands: list[float] = []
        self.done: list[str] = []

    def end_line(self) -> None:
        if self.line:
            self.done.append("".join(self.line))
            self.line = []

    def spill_loose(self) -> None:
        self.done.extend(text for text in self.loose if text.strip())
        self.loose = []

    def token(self, token: bytes) -> None:
        first = token[:1]
        if first in (b"(", b"<"):
            text = decode_string(token)
            (self.array if self.array is not None else self.loose).append(text)
        elif token == b"[":
            self.array = []
        elif token == b"]":
            if self.array is not None:
                self.loose.append("".join(self.array))
            self.array = None
        elif (value := _number(token)) is not None:
            if self.array is not None:
                if value <= _WORD_GAP:
                    self.array.append(" ")
            else:
                self.operands.append(value)
        else:
            self.operator(token)

    def operator(self, name: bytes) -> None:
        moves_down = name in _MOVE and self.operands[-1:] not in ([], [0.0])
        if name in _NEW_LINE or moves_down:
            self.end_line()
        if name in _SHOW or name == b"TJ":
            self.line.extend(self.loose)
            self.loose = []
        else:
            self.spill_loose()
        self.operands = []


def pdf_text(data: bytes) -> Iterator[str]:
    """The lines of text ``data`` (content or objects) shows or holds in strings."""
    lines = _Lines()
    for match in _TOKEN.finditer(data):
        lines.token(match.group())
        if len(lines.done) > 256:
            yield from lines.done
            lines.done = []
    lines.spill_loose()
    lines.end_line()
    yield from lines.done
