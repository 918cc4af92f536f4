"""Archives (zip, tar) and compressed streams (gzip, bzip2, xz), checked recursively.

Zip archives are judged from their central directory *before* anything is expanded:
member count, declared expanded size, compression ratio, path traversal, links and
encryption. Any of those stops the archive unopened, so a zip bomb, a traversal archive
or an encrypted archive is blocked in milliseconds. Tar members are judged from each
header before their data is read. While expanding, every byte is charged to the shared
:class:`~orchestrator.checks.streams.Budget`, so headers that lie cannot get past the
limits either. Members are checked by the same pipeline as top-level files (``inspect``);
zip comments and bytes outside every member are handled by :mod:`.zipbytes`.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import IO, cast

from orchestrator.checks.archive_metadata import check_gzip_header, tar_member_text
from orchestrator.checks.context import Context, Inspect
from orchestrator.checks.filetypes import HEAD_BYTES
from orchestrator.checks.model import Location
from orchestrator.checks.names import check_member_name
from orchestrator.checks.office import check_office, part_name
from orchestrator.checks.streams import (
    CHUNK,
    BudgetExceeded,
    BudgetReader,
    HeadReader,
    Readable,
    read_head,
)
from orchestrator.checks.textflow import LabelledText
from orchestrator.checks.zipbytes import check_zip_comments, judge_uncovered_bytes

RATIO_FLOOR = 64 * 1024
"""Members smaller than this are never judged by compression ratio (tiny files compress well)."""

_LINK_MODES = (stat.S_IFLNK, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK)


def unsafe_member_path(name: str) -> str | None:
    """Why an archive member path could land outside the extraction folder, or None."""
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(normalised).parts:
        return "climbs out of the archive with `..`"
    if "\x00" in name:
        return "contains a NUL byte"
    return None


def can_enter(ctx: Context, kind: str) -> bool:
    """False (with a finding) when opening one more archive level would pass the depth limit."""
    max_depth = ctx.int_param("archive.limits", "max_depth", 3)
    if ctx.depth >= max_depth:
        ctx.add(
            "archive.limits",
            f"{kind} archive nested deeper than the limit of {max_depth} levels; not opened",
        )
        return False
    return True


def zip_kind(names: list[str]) -> str:
    """Refine a zip by its members: office documents, NumPy archives or a plain zip."""
    members = {part_name(n) for n in names}
    if "[content_types].xml" in members:
        if "xl/workbook.xml" in members:
            return "xlsx"
        if "word/document.xml" in members:
            return "docx"
        if "ppt/presentation.xml" in members:
            return "pptx"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return "zip"


def _is_open_document(archive: zipfile.ZipFile) -> bool:
    """An OpenDocument file (ODS, ODT, ODP): a zip whose first member names its type."""
    infos = archive.infolist()
    if not infos or infos[0].filename != "mimetype" or infos[0].file_size > 256:
        return False
    try:
        return archive.read(infos[0]).startswith(b"application/vnd.oasis.opendocument")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
        return False


def judge_zip_headers(ctx: Context, infos: list[zipfile.ZipInfo]) -> bool:
    """Judge the central directory; True when the archive may be expanded."""
    blocked = False
    budget = ctx.budget
    files = [i for i in infos if not i.is_dir()]
    if len(files) > budget.members_left:
        ctx.add(
            "archive.limits",
            f"archive has {len(files):,} members, more than the {budget.members_left:,} allowed",
        )
        blocked = True
    declared = sum(i.file_size for i in files)
    if declared > budget.bytes_left:
        ctx.add(
            "archive.limits",
            f"archive declares {declared:,} bytes expanded, more than the {budget.bytes_left:,} allowed; not expanded",
        )
        blocked = True
    for info in infos:
        where = Location(member=info.filename)
        reason = unsafe_member_path(info.filename)
        if reason:
            ctx.add("archive.path_traversal", f"member path {reason}", where)
            blocked = True
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_IFMT(mode) in _LINK_MODES:
            ctx.add("archive.links", "member is a link or device, not a regular file", where)
            blocked = True
        if info.flag_bits & 0x1:
            ctx.add("archive.encrypted", "member is encrypted, so it cannot be checked", where)
            blocked = True
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_FLOOR and ratio > budget.max_ratio:
            ctx.add(
                "archive.limits",
                f"member expands {ratio:,.0f} times (limit {budget.max_ratio}): a compression bomb",
                where,
            )
            blocked = True
    return not blocked


def check_zip(ctx: Context, fileobj: IO[bytes], inspect: Inspect) -> str:
    """Check a zip archive (or an office document, which is one); return its refined type."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as exc:
        ctx.add("engine.malformed", f"zip archive cannot be read: {exc}")
        return "zip"
    with archive:
        infos = archive.infolist()
        kind = zip_kind([i.filename for i in infos])
        if not judge_zip_headers(ctx, infos):
            return kind
        check_zip_comments(ctx, archive)
        judge_uncovered_bytes(ctx, archive, fileobj)
        if kind in ("xlsx", "docx", "pptx") or _is_open_document(archive):
            check_office(ctx, archive, kind, inspect)
            return kind
        if not can_enter(ctx, kind):
            return kind
        for info in infos:
            if info.is_dir():
                continue
            check_member_name(ctx, info.filename)
            if not _expand_zip_member(ctx, archive, info, inspect):
                break
    return kind


def _expand_zip_member(
    ctx: Context, archive: zipfile.ZipFile, info: zipfile.ZipInfo, inspect: Inspect
) -> bool:
    """Check one member; False when the budget ran out and expansion must stop."""
    try:
        ctx.budget.take_member(info.filename)
        with archive.open(info) as raw:
            inspect(ctx.inside(info.filename), BudgetReader(raw, ctx.budget), info.filename)
    except BudgetExceeded as exc:
        ctx.add("archive.limits", f"{exc}; expansion stopped", Location(member=info.filename))
        return False
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        ctx.add(
            "engine.malformed",
            f"member cannot be expanded: {exc}",
            Location(member=info.filename),
        )
    return True


def check_tar(ctx: Context, fileobj: IO[bytes], inspect: Inspect) -> None:
    """Check a (seekable) tar archive member by member, judging each header before its data.

    A damaged header ends the archive for a tar reader, so whatever follows the end
    (other than the zero blocks that pad it) is reported as not read.
    """
    if not can_enter(ctx, "tar"):
        return
    try:
        with tarfile.open(fileobj=fileobj, mode="r:") as archive:
            records = LabelledText(ctx)
            for member in archive:
                records.feed(f"{member.name} records", _records_text(tar_member_text(member)))
                if not _check_tar_member(ctx, archive, member, inspect):
                    records.finish()
                    return
            records.feed("tar global records", _records_text(archive.pax_headers))
            records.finish()
            fileobj.seek(archive.offset)
            _judge_after_end(ctx, fileobj, archive.offset)
    except BudgetExceeded as exc:
        ctx.add("archive.limits", f"{exc}; expansion stopped")
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        ctx.add("engine.malformed", f"tar archive cannot be read: {exc}")


def _records_text(records: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in records.items())


def _judge_after_end(ctx: Context, fileobj: IO[bytes], end: int) -> None:
    stray = 0
    while data := fileobj.read(CHUNK):
        stray += len(data) - data.count(0)
    if stray:
        ctx.add(
            "engine.malformed",
            f"{stray:,} non-zero bytes follow the end of the tar archive (a damaged header?); not read",
            Location(offset=end),
        )


def _check_tar_member(
    ctx: Context, archive: tarfile.TarFile, member: tarfile.TarInfo, inspect: Inspect
) -> bool:
    where = Location(member=member.name)
    reason = unsafe_member_path(member.name)
    if reason:
        ctx.add("archive.path_traversal", f"member path {reason}", where)
        return True
    if member.issym() or member.islnk() or member.isdev() or member.isfifo():
        ctx.add("archive.links", "member is a link or device, not a regular file", where)
        return True
    if member.isdir():
        return True
    if not member.isfile():
        ctx.add("engine.malformed", f"member has an unknown type {member.type!r}", where)
        return True
    check_member_name(ctx, member.name)
    ctx.budget.take_member(member.name)
    if member.size > ctx.budget.bytes_left:
        ctx.add(
            "archive.limits",
            f"member declares {member.size:,} bytes, more than the {ctx.budget.bytes_left:,} left to expand; expansion stopped",
            where,
        )
        return False
    extracted = archive.extractfile(member)
    if extracted is not None:
        inspect(ctx.inside(member.name), BudgetReader(extracted, ctx.budget), member.name)
    return True


def _decompressor(kind: str, stream: Readable) -> IO[bytes]:
    source = cast(IO[bytes], stream)  # our readers are io.RawIOBase streams
    if kind == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=source, mode="rb"))
    if kind == "bzip2":
        return bz2.BZ2File(source, mode="rb")
    return lzma.LZMAFile(source, mode="rb")


_SUFFIXES = {"gzip": (".gz", ".tgz"), "bzip2": (".bz2", ".tbz2"), "xz": (".xz", ".txz")}


def inner_name(name: str, kind: str) -> str:
    """The name of what a compressed file holds: ``data.csv.gz`` holds ``data.csv``."""
    base = PurePosixPath(name.replace("\\", "/")).name
    for suffix in _SUFFIXES[kind]:
        if base.lower().endswith(suffix):
            stem = base[: -len(suffix)]
            return stem + ".tar" if suffix in (".tgz", ".tbz2", ".txz") else stem
    return base + ".content"


def check_compressed(
    ctx: Context, stream: Readable, kind: str, name: str, inspect: Inspect
) -> None:
    """Decompress a gzip/bzip2/xz stream within the budget and check what it holds."""
    if not can_enter(ctx, kind):
        return
    inner = inner_name(name, kind)
    if kind == "gzip":
        head = read_head(stream, HEAD_BYTES)
        check_gzip_header(ctx, head)
        stream = HeadReader(head, stream)
    try:
        ctx.budget.take_member(inner)
        with _decompressor(kind, stream) as decompressed:
            inspect(ctx.inside(inner), BudgetReader(decompressed, ctx.budget), inner)
    except BudgetExceeded as exc:
        ctx.add("archive.limits", f"{exc}; expansion stopped", Location(member=inner))
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        ctx.add("engine.malformed", f"{kind} stream cannot be decompressed: {exc}")
