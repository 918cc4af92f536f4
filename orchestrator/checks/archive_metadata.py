"""Text archives carry outside their members: gzip header fields and tar pax records.

A gzip header may hold an original file name, a comment and an "extra" field; a tar
archive may hold pax records (global, or per member) with arbitrary keys and values.
None of them is member content, so each is scanned as text here.
"""

from __future__ import annotations

import tarfile

from orchestrator.checks.context import Context
from orchestrator.checks.images import printable_strings
from orchestrator.checks.textflow import LabelledText

_FEXTRA, _FNAME, _FCOMMENT = 0x04, 0x08, 0x10


def gzip_header_fields(head: bytes) -> list[tuple[str, str]]:
    """(label, text) of the name, comment and extra field of the gzip header in ``head``."""
    if len(head) < 10 or head[:2] != b"\x1f\x8b":
        return []
    flags = head[3]
    position = 10
    fields: list[tuple[str, str]] = []
    if flags & _FEXTRA and position + 2 <= len(head):
        length = int.from_bytes(head[position : position + 2], "little")
        fields.append(
            ("gzip extra field", printable_strings(head[position + 2 : position + 2 + length]))
        )
        position += 2 + length
    for flag, label in ((_FNAME, "gzip file name"), (_FCOMMENT, "gzip comment")):
        if flags & flag:
            end = head.find(b"\x00", position)
            end = len(head) if end < 0 else end
            fields.append((label, head[position:end].decode("latin-1")))
            position = end + 1
    return fields


def check_gzip_header(ctx: Context, head: bytes) -> None:
    """Scan the text fields of a gzip header."""
    labelled = LabelledText(ctx)
    for label, text in gzip_header_fields(head):
        labelled.feed(label, text)
    labelled.finish()


def tar_member_text(member: tarfile.TarInfo) -> dict[str, str]:
    """A member's pax records and owner names (the path is judged elsewhere)."""
    records = {k: v for k, v in member.pax_headers.items() if k != "path"}
    for key, value in (("uname", member.uname), ("gname", member.gname)):
        if value:
            records.setdefault(key, value)
    return records
