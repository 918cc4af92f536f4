"""PDF documents: active content, attachments, and the text of readable streams.

The file is read in chunks and split into the bytes outside streams (object
dictionaries) and stream data. Names are decoded (``/J#61vaScript`` is ``/JavaScript``)
and looked up: JavaScript, Launch, RichMedia, ImportData and SubmitForm are active
content; EmbeddedFiles and FileAttachment are attachments. ``OpenAction`` and ``AA``
alone are not flagged: they usually just open the first page, and an action that runs
code is itself JavaScript or Launch. Uncompressed and Flate-compressed streams are
decompressed within the budget, searched for the same names (object streams hide
dictionaries) and their text goes to the text scanner, decoded the way a viewer
shows it (:mod:`orchestrator.checks.pdftext`: kerning arrays joined, hex strings and
octal escapes decoded); document metadata (the ``Info`` dictionary's strings, XMP
streams) is read the same way. Filter chains of ``FlateDecode``, ``ASCIIHexDecode``
and ``ASCII85Decode`` are decoded; a stream in any other encoding that is not an
image is counted as ``pdf.unscanned_streams``, and one that expands beyond
:data:`MAX_INFLATED` is reported as not fully read (``archive.limits``).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from orchestrator.checks.context import Context
from orchestrator.checks.pdftext import pdf_text
from orchestrator.checks.streams import CHUNK, Readable
from orchestrator.checks.textflow import LabelledText

MAX_STREAM = 16 * 1024 * 1024
MAX_INFLATED = 16 * 1024 * 1024
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_FILTER_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_TEXT_FILTERS = frozenset(
    {b"FlateDecode", b"Fl", b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85"}
)
_XML_START = re.compile(rb"^\s*(<\?xpacket|<\?xml|<x:xmpmeta)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE = frozenset({"JavaScript", "JS", "Launch", "RichMedia", "ImportData", "SubmitForm"})
_ATTACHMENT = frozenset({"EmbeddedFiles", "EmbeddedFile", "FileAttachment"})
_IMAGE_FILTERS = (b"DCTDecode", b"JPXDecode", b"CCITTFaxDecode", b"JBIG2Decode")


class _PdfScan:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.text = LabelledText(ctx)
        self.active: set[str] = set()
        self.attachments: set[str] = set()
        self.encrypted = False
        self.unscanned = 0
        self.truncated = 0

    def names(self, data: bytes) -> None:
        for match in _NAME.finditer(data):
            raw = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
            name = raw.decode("latin-1")
            if name in _ACTIVE:
                self.active.add(name)
            elif name in _ATTACHMENT:
                self.attachments.add(name)
            elif name == "Encrypt":
                self.encrypted = True

    def strings(self, data: bytes, label: str) -> None:
        found = list(pdf_text(data))
        if found:
            self.text.feed(label, "\n".join(found))

    def outside(self, data: bytes) -> None:
        self.names(data)
        self.strings(data, "pdf objects")

    def stream(self, dictionary: bytes, data: bytes) -> None:
        match = _FILTER.search(dictionary)
        filters = _FILTER_NAME.findall(match.group(1)) if match else []
        if any(f in _IMAGE_FILTERS for f in filters):
            return  # pixels, not text
        if any(f not in _TEXT_FILTERS for f in filters):
            self.unscanned += 1
            return
        content = data
        for name in filters:
            decoded = self.decode(name, content)
            if decoded is None:
                return
            content = decoded
        if _XML_START.match(content[:256]):
            self.text.feed("pdf metadata", content.decode("utf-8", "replace"))
            return
        self.names(content)
        self.strings(content, "pdf stream")

    def decode(self, name: bytes, data: bytes) -> bytes | None:
        """``data`` decoded by filter ``name``, or None (counted) when it cannot be."""
        try:
            if name in (b"ASCIIHexDecode", b"AHx"):
                digits = re.sub(rb"\s", b"", data.split(b">", 1)[0])
                return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
            if name in (b"ASCII85Decode", b"A85"):
                body = data.strip().removeprefix(b"<~")
                return base64.a85decode(body.split(b"~>", 1)[0], ignorechars=b" \t\r\n")
            inflater = zlib.decompressobj()
            limit = max(min(self.ctx.budget.bytes_left, MAX_INFLATED), 1)
            content = inflater.decompress(data, limit)
        except (zlib.error, ValueError, binascii.Error):
            self.unscanned += 1
            return None
        self.ctx.budget.bytes_left -= len(content)
        if inflater.unconsumed_tail:
            self.truncated += 1
        return content

    def finish(self) -> None:
        self.text.finish()
        if self.active:
            self.ctx.add(
                "pdf.active_content",
                "document has active content: " + ", ".join(sorted(self.active)),
            )
        if self.attachments:
            self.ctx.add(
                "pdf.attachments",
                "document has embedded files or attachments: "
                + ", ".join(sorted(self.attachments)),
            )
        if self.encrypted:
            self.ctx.add(
                "archive.encrypted", "document is encrypted, so its content cannot be checked"
            )
        if self.truncated:
            self.ctx.add(
                "archive.limits",
                f"{self.truncated} stream(s) expand beyond {MAX_INFLATED:,} bytes (or the archive budget); "
                "only their beginning was checked",
            )
        if self.unscanned:
            self.ctx.add(
                "pdf.unscanned_streams",
                f"{self.unscanned} stream(s) in encodings the engine cannot read were not checked",
            )


def check_pdf(ctx: Context, stream: Readable) -> None:
    """Scan a PDF stream for active content, attachments and text."""
    scan = _PdfScan(ctx)
    buffer = b""
    dictionary: bytes | None = None  # set while inside a stream
    skipping = False
    while True:
        chunk = stream.read(CHUNK)
        buffer += chunk
        while True:
            if dictionary is None:
                match = _STREAM_START.search(buffer)
                if match is None:
                    keep = 16 if chunk else 0
                    if len(buffer) > keep:
                        scan.outside(buffer[: len(buffer) - keep])
                        buffer = buffer[len(buffer) - keep :]
                    break
                scan.outside(buffer[: match.start()])
                dictionary = buffer[max(0, match.start() - 2048) : match.start()]
                # Only the dictionary of this object, not a filter of the one before.
                dictionary = dictionary[dictionary.rfind(b"obj") + 1 :]
                buffer = buffer[match.end() :]
                skipping = False
            end = buffer.find(b"endstream")
            if end < 0:
                if len(buffer) > MAX_STREAM or not chunk:
                    if not skipping:
                        scan.unscanned += 1
                        skipping = True
                    buffer = buffer[-9:] if chunk else b""
                break
            if not skipping:
                scan.stream(dictionary, buffer[:end])
            buffer = buffer[end + len(b"endstream") :]
            dictionary = None
        if not chunk:
            break
    scan.finish()
