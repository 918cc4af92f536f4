"""The export-check engine: reads every file and decides ``pass``, ``review`` or ``block``.

Public API (the airlock service and ``tre check`` call these; nothing here does
anything but read the files it is given):

- :func:`check_paths` ``(paths, rules, *, scanner=None, content=None, on_progress=None) -> Report``
  checks files (directories are walked, links are not followed) and, when the rule set
  enables ``malware.clamav``, scans them with ``scanner`` (a
  :class:`~orchestrator.checks.malware.MalwareScanner`).
- :func:`check_file` ``(path, rules, *, content=None, on_progress=None, name=None) -> FileReport``
  checks one file without malware scanning.
- :class:`Report` / :class:`FileReport`: the result; ``as_dict()`` gives the JSON record
  (engine version, rule-set id, version and digest; per file ``path``, ``sha256``,
  ``size``, ``type``, ``verdict`` and ``findings``). Messages never quote the evidence.
- Rule sets come from :mod:`orchestrator.checks.rulesets`; ``content`` defaults to
  :func:`~orchestrator.checks.content.default_content_scanners`.

Each file is read once, in chunks, through a hashing reader: the SHA-256, the size, the
type detection and the scanners share that pass (zip archives, which need random
access, are hashed first and then opened). Any failure while checking a file becomes an
``engine.error`` finding for that file, never an exception out of the engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator import __version__
from orchestrator.checks.archives import check_compressed, check_tar, check_zip
from orchestrator.checks.content import ContentScanners, default_content_scanners
from orchestrator.checks.context import Context
from orchestrator.checks.filetypes import (
    EXECUTABLE_TYPES,
    EXTENSION_TYPES,
    GENOMIC_TYPES,
    HEAD_BYTES,
    SERIALIZED_TYPES,
    TEXT_TYPES,
    UNSUPPORTED_ARCHIVE_TYPES,
    detect_type,
    extension,
)
from orchestrator.checks.images import check_image
from orchestrator.checks.malware import MalwareScanner, judge_malware
from orchestrator.checks.model import Finding, Location, RuleSet, Severity, Verdict, verdict_of
from orchestrator.checks.names import check_name
from orchestrator.checks.notebooks import MAX_NOTEBOOK_BYTES, check_notebook
from orchestrator.checks.pdfs import check_pdf
from orchestrator.checks.rulesets import ruleset_digest
from orchestrator.checks.sniffing import (
    Utf16Reader,
    is_sha256_line,
    is_text_pickle,
    json_table,
    utf16_encoding,
)
from orchestrator.checks.streams import (
    CHUNK,
    Budget,
    HashingReader,
    HeadReader,
    Readable,
    read_all,
    read_head,
    spool,
)
from orchestrator.checks.svgs import check_svg
from orchestrator.checks.textflow import check_text_stream

ENGINE_VERSION = __version__
MAX_ACRO_BYTES = 16 * 1024 * 1024

Progress = Callable[[int], None]


@dataclass(frozen=True)
class FileReport:
    """The result for one file."""

    path: str
    sha256: str
    size: int
    type: str
    findings: tuple[Finding, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return verdict_of([f.severity for f in self.findings])

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "type": self.type,
            "verdict": str(self.verdict),
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class Report:
    """The disclosure-control record for a set of files."""

    engine_version: str
    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str
    files: tuple[FileReport, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> Verdict:
        return verdict_of(
            [Severity(str(f.verdict)) for f in self.files if f.verdict != Verdict.PASS]
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": {"name": "tre-check", "version": self.engine_version},
            "ruleset": {
                "id": self.ruleset_id,
                "version": self.ruleset_version,
                "digest": self.ruleset_digest,
            },
            "verdict": str(self.verdict),
            "files": [f.as_dict() for f in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)


def make_budget(rules: RuleSet) -> Budget:
    """The archive-expansion allowance for one top-level file, from ``archive.limits``."""
    rule = rules.rules.get("archive.limits")
    params = rule.params if rule is not None else {}
    return Budget(
        max_depth=int(params.get("max_depth", 3)),
        members_left=int(params.get("max_members", 10_000)),
        bytes_left=int(params.get("max_expanded_bytes", 256 * 1024 * 1024)),
        max_ratio=int(params.get("max_ratio", 100)),
    )


def judge_type(ctx: Context, kind: str, name: str, size: int) -> None:
    """Findings from the detected type, the name's extension and the size."""
    allowed = ctx.param("type.allowlist", "allowed", None)
    if isinstance(allowed, list) and kind not in allowed:
        ctx.add("type.allowlist", f"detected type `{kind}` is not on the list of exportable types")
    if kind in SERIALIZED_TYPES:
        ctx.add(
            "serialized.objects", f"`{kind}` content is a serialized object or opaque data store"
        )
    elif kind in EXECUTABLE_TYPES:
        ctx.add("executable.binary", f"`{kind}` content is executable code")
    elif kind == "script":
        ctx.add("executable.script", "file is a script with an interpreter line (#!)")
    elif kind in GENOMIC_TYPES:
        ctx.add("genomic.format", f"`{kind}` content is a genomic data format")
    elif kind in UNSUPPORTED_ARCHIVE_TYPES:
        ctx.add(
            "archive.unsupported",
            f"`{kind}` archives cannot be opened, so their content is unchecked",
        )
    elif kind == "empty":
        ctx.add("type.empty", "file is empty; an empty output is almost always a mistake")
    promised = EXTENSION_TYPES.get(extension(name))
    if promised is not None and kind not in promised:
        ctx.add(
            "type.extension_mismatch",
            f"name ends in `{extension(name)}` but the content is `{kind}`",
        )
    max_bytes = ctx.int_param("limits.file_size", "max_bytes", 16 * 1024 * 1024)
    if size > max_bytes:
        ctx.add("limits.file_size", f"file is {size:,} bytes, more than the limit of {max_bytes:,}")


def _dispatch(ctx: Context, stream: Readable, kind: str, name: str) -> str:
    """Run the checks for ``kind`` over a sequential stream; return the refined type."""
    if kind == "notebook":
        data = read_all(stream, MAX_NOTEBOOK_BYTES)
        if data is None:
            ctx.add(
                "engine.malformed",
                f"notebook is larger than {MAX_NOTEBOOK_BYTES:,} bytes; not checked",
            )
        else:
            check_notebook(ctx, data, inspect)
    elif kind == "svg":
        check_svg(ctx, stream, name)
    elif kind in TEXT_TYPES:
        check_text_stream(ctx, stream, kind, name)
    elif kind in ("png", "jpeg", "gif"):
        check_image(ctx, stream, kind, inspect)
    elif kind == "pdf":
        check_pdf(ctx, stream)
    elif kind == "tar":
        with spool(stream) as seekable:
            check_tar(ctx, seekable, inspect)
    elif kind in ("gzip", "bzip2", "xz"):
        check_compressed(ctx, stream, kind, name, inspect)
    elif kind == "zip":
        with spool(stream) as seekable:
            return check_zip(ctx, seekable, inspect)
    return kind


def _detect(head: bytes, stream: Readable, name: str) -> tuple[str, Readable]:
    """The type of the content ``head`` starts (the rest is in ``stream``), and a stream
    of it: UTF-16 text is read as UTF-8, a protocol-0 pickle is a pickle, not text."""
    encoding = utf16_encoding(head)
    if encoding is not None:
        text = Utf16Reader(HeadReader(head, stream), encoding)
        head, stream = read_head(text, HEAD_BYTES), text
    kind = detect_type(head, name)
    if kind in TEXT_TYPES and is_text_pickle(head):
        kind = "pickle"
    return kind, HeadReader(head, stream)


def inspect(ctx: Context, stream: Readable, name: str) -> str:
    """Check nested content (an archive member, a decompressed stream, an output image)."""
    counter = HashingReader(stream, hashing=False)
    head = read_head(counter, HEAD_BYTES)
    kind, content = _detect(head, counter, name)
    kind = _dispatch(ctx, content, kind, name)
    counter.drain()
    judge_type(ctx, kind, name, counter.size)
    return kind


def _hash_only(path: Path) -> tuple[str, int]:
    with path.open("rb") as raw:
        reader = HashingReader(raw)
        reader.drain()
    return reader.hexdigest(), reader.size


def check_file(
    path: Path,
    rules: RuleSet,
    *,
    content: ContentScanners | None = None,
    on_progress: Progress | None = None,
    name: str | None = None,
) -> FileReport:
    """Check one file (no malware scan); ``name`` is how the report shows it."""
    shown = name if name is not None else str(path)
    ctx = Context(rules, content or default_content_scanners(), make_budget(rules))
    check_name(ctx, path.name)
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        ctx.add("engine.error", f"file cannot be read: {exc.strerror or exc}")
        return FileReport(shown, "", 0, "missing", tuple(ctx.findings))
    if stat.S_ISLNK(mode):
        ctx.add("archive.links", "file is a symbolic link; export the file it points to instead")
        return FileReport(shown, "", 0, "symlink", tuple(ctx.findings))
    if not stat.S_ISREG(mode):
        ctx.add("engine.error", "not a regular file")
        return FileReport(shown, "", 0, "special", tuple(ctx.findings))
    kind, digest, size = "binary", "", 0
    try:
        with path.open("rb") as raw:
            reader = HashingReader(raw, on_bytes=on_progress)
            head = read_head(reader, HEAD_BYTES)
            kind = detect_type(head, path.name)
            if kind == "zip":
                reader.drain()
                raw.seek(0)
                kind = check_zip(ctx, raw, inspect)
            elif _is_acro_checksum(path, head):
                kind = "text"  # a digest of a file beside it, not a key: nothing to scan
                reader.drain()
            else:
                kind, stream = _detect(head, reader, path.name)
                kind = _dispatch(ctx, stream, kind, path.name)
                reader.drain()
            digest, size = reader.hexdigest(), reader.size
        if kind == "json" and size <= MAX_ACRO_BYTES:
            _check_json(ctx, path)
    except Exception as exc:  # any failure is a finding, never a crash
        ctx.findings.append(
            Finding(
                "engine.error",
                Severity.BLOCK,
                f"the engine failed on this file ({type(exc).__name__}: {exc}); it is not passed",
                ctx.locate(Location()),
            )
        )
        with contextlib.suppress(OSError):
            digest, size = _hash_only(path)
    judge_type(ctx, kind, path.name, size)
    ctx.summarise()
    return FileReport(shown, digest, size, kind, tuple(ctx.findings))


def _check_json(ctx: Context, path: Path) -> None:
    """ACRO's results.json is checked as evidence; a table in JSON as a table."""
    try:
        doc = json.loads(path.read_bytes())
    except ValueError:
        return
    if isinstance(doc, dict) and ctx.scanners.looks_like_acro(doc):
        ctx.add_findings(ctx.scanners.check_acro(doc, path.parent, ctx.rules))
        return
    rows = json_table(doc)
    if rows is not None:
        table = ctx.table_scanner(path.name)
        for row in rows:
            table.feed_row(row)
        ctx.add_findings(table.finish())


def _is_acro_checksum(path: Path, head: bytes) -> bool:
    """``checksums/<name>.txt`` beside ACRO's results.json, holding the SHA-256 of ``<name>``."""
    folder = path.parent
    if folder.name != "checksums" or not path.name.endswith(".txt") or len(head) > 80:
        return False
    if not is_sha256_line(head) or not (folder.parent / "results.json").is_file():
        return False
    described = folder.parent / path.name.removesuffix(".txt")
    if not described.is_file() or described.is_symlink():
        return False
    return _hash_only(described)[0] == head.strip().decode("ascii")


def expand_paths(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """(shown name, path) for each file: directories walked in order, links not followed."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                for file_name in sorted(files):
                    full = Path(root) / file_name
                    found.append((str(full), full))
                for dir_name in list(dirs):
                    if (Path(root) / dir_name).is_symlink():
                        found.append((str(Path(root) / dir_name), Path(root) / dir_name))
        else:
            found.append((str(path), path))
    return found


def check_paths(
    paths: Sequence[Path],
    rules: RuleSet,
    *,
    scanner: MalwareScanner | None = None,
    content: ContentScanners | None = None,
    on_progress: Progress | None = None,
) -> Report:
    """Check every file under ``paths`` and scan them for malware; the full report."""
    content = content or default_content_scanners()
    files = expand_paths(paths)
    reports = [
        check_file(p, rules, content=content, on_progress=on_progress, name=n) for n, p in files
    ]
    regular = [p for _, p in files if p.is_file() and not p.is_symlink()]
    malware = judge_malware(rules, scanner, regular)
    merged = []
    for (_, path), report in zip(files, reports, strict=True):
        extra = malware.get(path, [])
        if extra:
            report = FileReport(
                report.path, report.sha256, report.size, report.type, (*report.findings, *extra)
            )
        merged.append(report)
    return Report(ENGINE_VERSION, rules.id, rules.version, ruleset_digest(rules), tuple(merged))


__all__ = [
    "CHUNK",
    "ENGINE_VERSION",
    "FileReport",
    "Report",
    "check_file",
    "check_paths",
    "expand_paths",
    "inspect",
    "judge_type",
]
