"""The bytes of a zip archive outside its members: comments, and data no member covers.

A zip reader looks only where the central directory points, so text can travel in the
archive comment, in member comments, before the first member (a self-extracting
stub), between members or between the last member and the central directory. The
comments are scanned as text; bytes that belong to no member and no directory record
are reported as not read (``engine.unread``), with their offset.
"""

from __future__ import annotations

import struct
import zipfile
from typing import IO

from orchestrator.checks.context import Context
from orchestrator.checks.model import Location
from orchestrator.checks.textflow import LabelledText

_LOCAL_HEADER = struct.Struct("<4s22xHH")
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"


def check_zip_comments(ctx: Context, archive: zipfile.ZipFile) -> None:
    """Scan the archive comment and every member comment as text."""
    labelled = LabelledText(ctx)
    labelled.feed("zip comment", archive.comment.decode("utf-8", "replace"))
    for info in archive.infolist():
        if info.comment:
            labelled.feed(f"{info.filename} comment", info.comment.decode("utf-8", "replace"))
    labelled.finish()


def _member_end(fileobj: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where the member's local header, data and data descriptor end."""
    fileobj.seek(info.header_offset)
    header = fileobj.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        return info.header_offset
    _, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    end: int = (
        info.header_offset + _LOCAL_HEADER.size + name_length + extra_length + info.compress_size
    )
    if info.flag_bits & 0x08:
        fileobj.seek(end)
        large = info.compress_size >= 0xFFFFFFFF or info.file_size >= 0xFFFFFFFF
        body = 20 if large else 12
        end += body + (4 if fileobj.read(4) == _DESCRIPTOR_SIGNATURE else 0)
    return end


def judge_uncovered_bytes(ctx: Context, archive: zipfile.ZipFile, fileobj: IO[bytes]) -> None:
    """Report bytes before, between or after the members that no member covers."""
    directory_start = archive.start_dir
    cursor = 0
    stray = 0
    first: int | None = None
    for info in sorted(archive.infolist(), key=lambda i: i.header_offset):
        if not 0 <= info.header_offset < directory_start:
            ctx.add(
                "engine.malformed",
                f"the directory places {info.filename!r} outside the archive; not read",
                Location(member=info.filename),
            )
            return
        if info.header_offset > cursor:
            stray += info.header_offset - cursor
            first = cursor if first is None else first
        cursor = max(cursor, _member_end(fileobj, info))
    if directory_start > cursor:
        stray += directory_start - cursor
        first = cursor if first is None else first
    if stray and first is not None:
        ctx.add(
            "engine.unread",
            f"{stray:,} bytes of the archive belong to no member; not read",
            Location(offset=first),
        )
