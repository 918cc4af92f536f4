"""Images (PNG, JPEG, GIF): metadata and text chunks scanned as text, data after the end flagged.

Each format is walked block by block from a stream, so pixel data is skipped, never
held in memory. Text found in metadata (PNG tEXt/zTXt/iTXt/eXIf chunks and any private
or unknown chunk, JPEG APPn and COM segments such as EXIF and XMP, GIF comment and
plain-text extensions) goes to the text scanner, as printable ASCII runs and UTF-16
runs (EXIF's Windows tags) for binary metadata. An unknown chunk too large to read is
reported as not read. The dimensions in the header (PNG IHDR, JPEG SOF, GIF screen) are
judged against the pixel budget (``image.pixels``) before anything else. Bytes after
the end marker (PNG IEND, JPEG EOI, GIF trailer) are flagged ``image.trailing_data``.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable

from orchestrator.checks.context import Context, Inspect
from orchestrator.checks.model import Location
from orchestrator.checks.streams import CHUNK, Readable, read_head
from orchestrator.checks.textflow import LabelledText

MAX_METADATA_BYTES = 16 * 1024 * 1024
_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e\t]{4,}")
_UTF16_RUN = re.compile(rb"(?:[\x20-\x7e]\x00){4,}")
_PIXEL_CHUNKS = frozenset({b"IDAT", b"fdAT"})
_STRUCTURE_CHUNKS = frozenset(
    {
        b"IHDR",
        b"PLTE",
        b"IEND",
        b"tRNS",
        b"cHRM",
        b"gAMA",
        b"sBIT",
        b"sRGB",
        b"bKGD",
        b"hIST",
        b"pHYs",
        b"sPLT",
        b"tIME",
        b"acTL",
        b"fcTL",
        b"cICP",
        b"mDCv",
        b"cLLi",
    }
)
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
DEFAULT_MAX_PIXELS = 64 * 1024 * 1024


class Malformed(Exception):
    """The image's structure is broken; the message says where."""


class _Walker:
    def __init__(self, stream: Readable | _Pushback) -> None:
        self.stream: Readable | _Pushback = stream
        self.offset = 0

    def exact(self, count: int, what: str) -> bytes:
        data = read_head(self.stream, count)
        if len(data) < count:
            raise Malformed(f"truncated {what} at byte {self.offset}")
        self.offset += count
        return data

    def skip(self, count: int, what: str, crc: int = 0) -> int:
        """Skip ``count`` bytes; the CRC-32 of them, continuing ``crc``."""
        while count > 0:
            data = self.stream.read(min(count, CHUNK))
            if not data:
                raise Malformed(f"truncated {what} at byte {self.offset}")
            crc = zlib.crc32(data, crc)
            count -= len(data)
            self.offset += len(data)
        return crc

    def trailing(self) -> int:
        extra = 0
        while True:
            data = self.stream.read(CHUNK)
            if not data:
                return extra
            extra += len(data)


def printable_strings(data: bytes) -> str:
    """Runs of printable ASCII and of UTF-16 text in binary metadata (EXIF, XMP, ICC), one per line."""
    ascii_runs = [m.group().decode("ascii") for m in _PRINTABLE_RUN.finditer(data)]
    wide_runs = [m.group().decode("utf-16-le") for m in _UTF16_RUN.finditer(data)]
    return "\n".join(ascii_runs + wide_runs)


def judge_pixels(ctx: Context, width: int, height: int) -> None:
    """Flag an image whose declared dimensions exceed the pixel budget."""
    budget = ctx.int_param("image.pixels", "max_pixels", DEFAULT_MAX_PIXELS)
    if width * height > budget:
        ctx.add(
            "image.pixels",
            f"image declares {width:,} by {height:,} pixels, more than the budget of {budget:,}",
        )


def check_image(ctx: Context, stream: Readable, kind: str, inspect: Inspect) -> None:
    """Walk a PNG, JPEG or GIF stream, scanning metadata and flagging trailing data."""
    walker = _Walker(stream)
    labelled = LabelledText(ctx)

    def payload(label: str, data: bytes) -> None:
        """Text a chunk carries: checked like a file of its own kind, within the depth limit."""
        if ctx.depth >= ctx.int_param("archive.limits", "max_depth", 3):
            labelled.feed(label, data.decode("utf-8", "replace"))
        else:
            inspect(ctx.inside(label), io.BytesIO(data), label)

    try:
        if kind == "png":
            _walk_png(walker, labelled, ctx, payload)
        else:
            {"jpeg": _walk_jpeg, "gif": _walk_gif}[kind](walker, labelled, ctx)
        end = walker.offset
        extra = walker.trailing()
        if extra:
            ctx.add(
                "image.trailing_data",
                f"{extra:,} bytes follow the image's end marker",
                Location(offset=end),
            )
    except Malformed as exc:
        ctx.add("engine.malformed", f"{kind} image is malformed: {exc}")
    except zlib.error as exc:
        ctx.add("engine.malformed", f"{kind} image has a corrupt compressed text chunk: {exc}")
    labelled.finish()


def _walk_png(
    walker: _Walker, labelled: LabelledText, ctx: Context, payload: Callable[[str, bytes], None]
) -> None:
    walker.exact(8, "signature")
    while True:
        header = walker.exact(8, "chunk header")
        length = int.from_bytes(header[:4], "big")
        kind = header[4:8]
        name = kind.decode("latin-1")
        if length > 2**31 - 1:
            raise Malformed(f"chunk length {length} is out of range")
        crc = zlib.crc32(kind)
        if kind in _PIXEL_CHUNKS or kind in _STRUCTURE_CHUNKS - {b"IHDR"}:
            crc = walker.skip(length, "chunk data", crc)
        elif length <= MAX_METADATA_BYTES:
            body = walker.exact(length, "chunk")
            crc = zlib.crc32(body, crc)
            if kind == b"IHDR" and length >= 8:
                judge_pixels(ctx, int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big"))
            elif kind in (b"tEXt", b"zTXt", b"iTXt"):
                keyword, text = _png_text(kind, body)
                labelled.feed(f"png {name} keyword", keyword)
                payload(f"png {name}", text)
            elif kind != b"IHDR":
                labelled.feed(f"png chunk {name}", printable_strings(body))
        else:
            crc = walker.skip(length, "chunk data", crc)
            ctx.add(
                "engine.unread",
                f"png chunk `{name}` of {length:,} bytes is larger than the metadata limit; not read",
            )
        if int.from_bytes(walker.exact(4, "chunk checksum"), "big") != crc:
            raise Malformed(f"chunk `{name}` fails its checksum at byte {walker.offset - 4}")
        if kind == b"IEND":
            return


def _png_text(kind: bytes, body: bytes) -> tuple[str, bytes]:
    """The keyword and the text (as bytes) of a tEXt, zTXt or iTXt chunk."""
    keyword, _, rest = body.partition(b"\x00")
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        return name, rest.decode("latin-1").encode("utf-8")
    if kind == b"zTXt":
        return name, _inflate(rest[1:]).decode("latin-1").encode("utf-8")
    compressed, rest = rest[:1], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    return name, _inflate(text) if compressed == b"\x01" else text


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_METADATA_BYTES)
    if inflater.unconsumed_tail:
        raise Malformed("compressed text chunk expands beyond the metadata limit")
    return out


def _walk_jpeg(walker: _Walker, labelled: LabelledText, ctx: Context) -> None:
    walker.exact(2, "start marker")
    while True:
        marker = walker.exact(2, "segment marker")
        if marker[0] != 0xFF:
            raise Malformed(f"expected a segment marker at byte {walker.offset - 2}")
        code = marker[1]
        while code == 0xFF:  # fill bytes
            code = walker.exact(1, "segment marker")[0]
        if code == 0xD9:
            return
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            continue
        length = int.from_bytes(walker.exact(2, "segment length"), "big")
        if length < 2:
            raise Malformed(f"segment length {length} at byte {walker.offset - 2}")
        if code in _SOF:
            frame = walker.exact(length - 2, "frame header")
            if len(frame) >= 5:
                height = int.from_bytes(frame[1:3], "big")
                judge_pixels(ctx, int.from_bytes(frame[3:5], "big"), height)
        elif code == 0xFE or 0xE0 <= code <= 0xEF:
            body = walker.exact(length - 2, "metadata segment")
            label = "jpeg comment" if code == 0xFE else f"jpeg APP{code - 0xE0}"
            labelled.feed(label, printable_strings(body))
        else:
            walker.skip(length - 2, "segment")
        if code == 0xDA:
            _skip_entropy_coded(walker)


def _skip_entropy_coded(walker: _Walker) -> None:
    """Skip scan data up to (not including) the next marker that is not a stuffed byte or RST."""
    carry = b""
    while True:
        data = walker.stream.read(CHUNK)
        if not data:
            raise Malformed("image data ends without an end marker")
        buffer = carry + data
        start = 0
        while True:
            index = buffer.find(b"\xff", start)
            if index < 0 or index + 1 >= len(buffer):
                break
            following = buffer[index + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                start = index + 1
                continue
            walker.offset += index
            walker.stream = _Pushback(buffer[index:], walker.stream)
            return
        carry = buffer[-1:] if buffer.endswith(b"\xff") else b""
        walker.offset += len(buffer) - len(carry)


class _Pushback:
    """A stream with some bytes put back in front of it."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                size = len(self._head)
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)


def _walk_gif(walker: _Walker, labelled: LabelledText, ctx: Context) -> None:
    header = walker.exact(13, "header")
    judge_pixels(ctx, int.from_bytes(header[6:8], "little"), int.from_bytes(header[8:10], "little"))
    flags = header[10]
    if flags & 0x80:
        walker.skip(3 * (2 ** ((flags & 0x07) + 1)), "colour table")
    while True:
        introducer = walker.exact(1, "block")[0]
        if introducer == 0x3B:
            return
        if introducer == 0x21:
            label = walker.exact(1, "extension label")[0]
            body = _gif_sub_blocks(walker, keep=label in (0xFE, 0x01, 0xFF))
            if label in (0xFE, 0x01, 0xFF) and body:
                labelled.feed("gif extension", printable_strings(body))
        elif introducer == 0x2C:
            descriptor = walker.exact(9, "image descriptor")
            if descriptor[8] & 0x80:
                walker.skip(3 * (2 ** ((descriptor[8] & 0x07) + 1)), "colour table")
            walker.exact(1, "LZW code size")
            _gif_sub_blocks(walker, keep=False)
        else:
            raise Malformed(f"unknown block 0x{introducer:02x} at byte {walker.offset - 1}")


def _gif_sub_blocks(walker: _Walker, *, keep: bool) -> bytes:
    parts: list[bytes] = []
    kept = 0
    while True:
        size = walker.exact(1, "sub-block size")[0]
        if size == 0:
            return b"".join(parts)
        if keep and kept < MAX_METADATA_BYTES:
            parts.append(walker.exact(size, "sub-block"))
            kept += size
        else:
            walker.skip(size, "sub-block")
