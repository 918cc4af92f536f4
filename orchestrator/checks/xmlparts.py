"""XML parts of containers (office documents): parsed safely, in bounded memory, all text read.

:func:`walk` stream-parses a part and yields each element once it is complete, then
drops it from its parent, so memory stays flat however many elements a part has. A
DTD anywhere in the part (``<!DOCTYPE`` or ``<!ENTITY``, not only in its first bytes)
and any encoding that is not ASCII-compatible (UTF-16, UTF-32, in which the guard could
not see a DTD) are refused before the parser reaches them: office parts never need
either, so one is a sign of a crafted file.

:func:`text_lines` gives every piece of text a part holds: element text, tails and
attribute values (custom XML, pivot caches and chart caches keep data in attributes).
Runs and spans of a paragraph (``w:p``, ``a:p``, ``text:p``) are joined into one line
without separators, as a viewer shows them. :class:`PartText`
feeds those lines to a text scanner in batches, counting lines so a finding names the
part and the line of its extracted text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import iterparse as _iterparse

from orchestrator.checks.context import Context
from orchestrator.checks.model import TextScanner
from orchestrator.checks.streams import CHUNK, HeadReader, Readable, read_head

_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00", b"\x00\x00")
BATCH_CHARS = 1024 * 1024
_PARAGRAPHS = frozenset({"p", "h", "si", "is", "text"})


class DtdGuard(io.RawIOBase):
    """Passes a part's bytes through, raising :class:`ParseError` on a DTD anywhere in it."""

    def __init__(self, raw: Readable) -> None:
        super().__init__()
        head = read_head(raw, 4)
        if head[:2] in _WIDE_STARTS:
            raise ParseError("XML part is not in an ASCII-compatible encoding (UTF-8)")
        self._raw: Readable = HeadReader(head, raw)
        self._tail = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size is not None and size >= 0 else CHUNK)
        window = self._tail + data
        if any(marker in window for marker in _DTD_MARKERS):
            raise ParseError(
                "XML part declares a DTD or an entity, which office documents never do"
            )
        self._tail = window[-_OVERLAP:]
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def walk(stream: Readable) -> Iterator[tuple[Element, int]]:
    """Each element of a part once complete, with its depth (0 for the root); then dropped."""
    stack: list[Element] = []
    events = _iterparse(DtdGuard(stream), events=("start", "end"))  # noqa: S314 - DTDs refused
    for event, element in events:
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        yield element, len(stack)
        if stack:
            stack[-1].remove(element)


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def text_lines(stream: Readable) -> Iterator[str]:
    """Every text, tail and attribute value of a part, one line each; a paragraph on one line.

    A paragraph (``w:p``, ``a:p``, ``text:p``, ``text:h``; rich text ``si``, ``is`` and
    comment ``text``) is joined the way it is shown, runs and spans without separators,
    so text split across runs is seen whole.
    """
    stack: list[Element] = []
    in_paragraph = 0
    previous: Element | None = None
    for event, element in _iterparse(DtdGuard(stream), events=("start", "end")):  # noqa: S314
        # A tail is known only once the parser has moved past it: read the previous one's.
        if previous is not None:
            if previous.tail and previous.tail.strip():
                yield previous.tail.strip()
            previous = None
        name = local(element.tag)
        if event == "start":
            stack.append(element)
            in_paragraph += name in _PARAGRAPHS
            continue
        stack.pop()
        if name in _PARAGRAPHS:
            in_paragraph -= 1
            if in_paragraph:
                continue
            text = "".join(element.itertext()).strip()
            if text:
                yield text
            for inner in element.iter():
                yield from (v for v in inner.attrib.values() if v.strip())
        elif in_paragraph:
            continue  # kept whole until its paragraph ends
        else:
            if element.text and element.text.strip():
                yield element.text.strip()
            yield from (v for v in element.attrib.values() if v.strip())
        if stack:
            stack[-1].remove(element)
            previous = element


class PartText:
    """Feeds lines of one part's text to a text scanner in batches; findings named by part."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.scanner: TextScanner | None = None
        self.batch: list[str] = []
        self.chars = 0
        self.first_line = 1
        self.lines = 0

    def add(self, text: str, line: int | None = None) -> None:
        """Queue ``text`` (one or more lines); ``line`` numbers it when lines are not consecutive."""
        if line is not None and line != self.first_line + self.lines:
            self.flush()
            self.first_line, self.lines = line, 0
        self.batch.append(text)
        self.lines += text.count("\n") + 1
        self.chars += len(text)
        if self.chars >= BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        if self.scanner is None:
            self.scanner = self.ctx.text_scanner()
        self.scanner.feed("\n".join(self.batch) + "\n", self.first_line)
        self.first_line += self.lines
        self.batch, self.chars, self.lines = [], 0, 0

    def finish(self, *, as_rows: bool = False) -> None:
        """Report the findings; ``as_rows`` when lines were numbered by table row."""
        self.flush()
        if self.scanner is None:
            return
        findings = self.scanner.finish()
        if as_rows:
            findings = [
                replace(f, location=replace(f.location, row=f.location.line, line=None))
                for f in findings
            ]
        self.ctx.add_findings(findings)
