"""SVG images: scanned as text, and their text content read the way it is drawn.

An SVG is XML, so it is scanned line by line like any text file. Text drawn in pieces
(``<tspan>SEC</tspan><tspan>RET</tspan>``) or written as character references
(``&#83;``) would get past that, so the text between the tags is also joined, with
references resolved, and scanned as ``svg text``. SVGs up to :data:`MAX_SVG_BYTES` are
read whole for this; a larger one is scanned as raw text only and says so.
"""

from __future__ import annotations

import html
import io
import re

from orchestrator.checks.context import Context
from orchestrator.checks.streams import HeadReader, Readable, read_head
from orchestrator.checks.textflow import LabelledText, check_text_stream

MAX_SVG_BYTES = 16 * 1024 * 1024
_TAG = re.compile(rb"<[^>]*+>")


def check_svg(ctx: Context, stream: Readable, name: str) -> None:
    """Scan an SVG as text and its drawn text joined."""
    data = read_head(stream, MAX_SVG_BYTES + 1)
    if len(data) > MAX_SVG_BYTES:
        check_text_stream(ctx, HeadReader(data, stream), "svg", name)
        ctx.add(
            "engine.unread",
            f"SVG is larger than {MAX_SVG_BYTES:,} bytes; its drawn text was checked only as raw text",
        )
        return
    check_text_stream(ctx, io.BytesIO(data), "svg", name)
    drawn = html.unescape(_TAG.sub(b"", data).decode("utf-8", "replace"))
    labelled = LabelledText(ctx)
    labelled.feed("svg text", drawn)
    labelled.finish()
