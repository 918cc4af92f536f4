"""Office files (XLSX, DOCX, PPTX, and OpenDocument): every part read, whatever the index names.

The package's own index (``[Content_Types].xml``, the workbook's sheet list) is not
trusted to say what to read: every member is read. Part names are compared the way
OPC does (case-insensitive, ``%``-escapes decoded, ``.``/``..`` resolved), so two
members that name the same part are refused rather than one of them being missed.

- XML parts: a worksheet (recognised by its root element, wherever it is, listed by the
  workbook or not) is read row by row for the table and text scanners; every other
  XML part (documents, comments, defined names, chart titles and caches, pivot caches,
  ``customXml/``, properties, relationships) has all its text and attribute values
  scanned. Shared strings resolve cells; any string no cell uses is scanned on its own.
- Other parts (media, embedded files anywhere, nested zips) go through the pipeline
  like archive members; a part declared as an image whose content is not one is flagged.
- Macros and embedded objects are flagged wherever they sit. Opaque printer settings are
  reported as not read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError

from orchestrator.checks.context import Context, Inspect
from orchestrator.checks.filetypes import IMAGE_TYPES
from orchestrator.checks.model import Location
from orchestrator.checks.streams import (
    BudgetExceeded,
    BudgetReader,
    HeadReader,
    PartTooLarge,
    Readable,
    read_head,
)
from orchestrator.checks.workbooks import (
    MAX_SHARED_STRINGS_BYTES,
    SharedStrings,
    TooManyStrings,
    read_shared_strings,
    sheet_items,
)
from orchestrator.checks.xmlparts import PartText, local, text_lines, walk

_EMBEDDED = re.compile(r"(^|/)(embeddings|activex|externallinks)/")
_PRINTER_SETTINGS = re.compile(r"(^|/)printersettings/")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")
_XML_EXTENSIONS = (".xml", ".rels", ".vml")
_PART_ERRORS = (
    ParseError,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
)


def part_name(name: str) -> str:
    """The OPC name of a member, for comparison: escapes decoded, normalised, lower case."""
    path = unquote(name.replace("\\", "/")).lstrip("/")
    return posixpath.normpath(path).lower() if path else ""


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return part_name(target)
    return part_name(posixpath.join(base_dir, target))


class _Package:
    """The members of an office document keyed by part name, with what its index declares."""

    def __init__(self, ctx: Context, archive: zipfile.ZipFile) -> None:
        self.ctx = ctx
        self.archive = archive
        self.infos = [i for i in archive.infolist() if not i.is_dir()]
        self.parts: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            key = part_name(info.filename)
            if key in self.parts:
                ctx.add(
                    "engine.malformed",
                    f"two members are the same part `{key}` (OPC names ignore case and escapes)",
                    Location(member=info.filename),
                )
            else:
                self.parts[key] = info
        self.overrides: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self.sheets: dict[str, tuple[str, str]] = {}
        self.shared_key = ""

    def elements(self, key: str) -> Iterator[tuple[str, dict[str, str]]]:
        """(local name, attributes) of each element of a small index part, if present."""
        info = self.parts.get(key)
        if info is None:
            return
        with self.archive.open(info) as raw:
            for element, _ in walk(BudgetReader(raw, self.ctx.budget)):
                yield local(element.tag), dict(element.attrib)

    def relationships(self, source: str) -> Iterator[tuple[str, str]]:
        """(type, target part name) of each internal relationship of part ``source``."""
        folder, base = posixpath.split(source)
        rels = part_name(posixpath.join(folder, "_rels", base + ".rels"))
        for name, attrs in self.elements(rels):
            if name == "Relationship" and attrs.get("TargetMode") != "External":
                yield attrs.get("Type", ""), _resolve(folder, attrs.get("Target", ""))

    def read_index(self) -> None:
        for name, attrs in self.elements("[content_types].xml"):
            if name == "Default":
                self.defaults[attrs.get("Extension", "").lower()] = attrs.get("ContentType", "")
            elif name == "Override":
                self.overrides[part_name(attrs.get("PartName", ""))] = attrs.get("ContentType", "")
        main = "xl/workbook.xml"
        for kind, target in self.relationships(""):
            if kind.endswith("/officeDocument"):
                main = target
        for kind, target in self.relationships(main):
            if kind.endswith("/sharedStrings"):
                self.shared_key = target
        folder = posixpath.dirname(main)
        rel_targets = self._rel_targets(main, folder)
        for name, attrs in self.elements(main):
            if name == "sheet":
                rel_id = next((v for k, v in attrs.items() if local(k) == "id"), "")
                sheet_part = rel_targets.get(rel_id)
                if sheet_part:
                    self.sheets[sheet_part] = (
                        attrs.get("name", "?"),
                        attrs.get("state", "visible"),
                    )
        if not self.shared_key and "xl/sharedstrings.xml" in self.parts:
            self.shared_key = "xl/sharedstrings.xml"

    def _rel_targets(self, source: str, folder: str) -> dict[str, str]:
        rels = part_name(posixpath.join(folder, "_rels", posixpath.basename(source) + ".rels"))
        return {
            attrs.get("Id", ""): _resolve(folder, attrs.get("Target", ""))
            for name, attrs in self.elements(rels)
            if name == "Relationship"
        }

    def declared(self, key: str) -> str:
        extension = posixpath.splitext(key)[1].lstrip(".")
        return self.overrides.get(key) or self.defaults.get(extension, "")


def check_office(ctx: Context, archive: zipfile.ZipFile, kind: str, inspect: Inspect) -> None:
    """Check every part of an office document."""
    package = _Package(ctx, archive)
    _flag_active_parts(ctx, package.infos)
    try:
        try:
            package.read_index()
        except _PART_ERRORS as exc:
            ctx.add("engine.malformed", f"{kind} document's index cannot be read: {exc}")
        shared = _read_shared(ctx, package)
        for info in package.infos:
            key = part_name(info.filename)
            if package.parts.get(key) is not info or (key == package.shared_key and shared):
                continue
            ctx.budget.take_member(info.filename)
            try:
                _check_part(ctx, package, info, shared or SharedStrings(), inspect)
            except PartTooLarge as exc:
                ctx.add("archive.limits", f"{exc}; not read", Location(member=info.filename))
            except _PART_ERRORS as exc:
                ctx.add(
                    "engine.malformed",
                    f"part declared as `{package.declared(key) or 'nothing'}` cannot be read: {exc}",
                    Location(member=info.filename),
                )
        if shared is not None:
            unused = PartText(ctx.inside(archive_member(package, package.shared_key), nested=False))
            for index, text in shared.unused():
                unused.add(text, index + 1)
            unused.finish()
    except BudgetExceeded as exc:
        ctx.add("archive.limits", f"{exc}; the document was not fully checked")


def archive_member(package: _Package, key: str) -> str:
    info = package.parts.get(key)
    return info.filename if info is not None else key


def _flag_active_parts(ctx: Context, infos: list[zipfile.ZipInfo]) -> None:
    for info in infos:
        where = Location(member=info.filename)
        lowered = part_name(info.filename)
        if lowered.endswith("vbaproject.bin") or lowered.endswith("vbadata.xml"):
            ctx.add("office.macros", "document carries macros (VBA project)", where)
        elif _EMBEDDED.search(lowered) or "oleobject" in posixpath.basename(lowered):
            ctx.add(
                "office.embedded_objects",
                "document carries an embedded object or external link",
                where,
            )


def _read_shared(ctx: Context, package: _Package) -> SharedStrings | None:
    info = package.parts.get(package.shared_key) if package.shared_key else None
    if info is None:
        return None
    where = Location(member=info.filename)
    try:
        ctx.budget.take_member(info.filename)
        with package.archive.open(info) as raw:
            return read_shared_strings(BudgetReader(raw, ctx.budget, MAX_SHARED_STRINGS_BYTES))
    except (PartTooLarge, TooManyStrings) as exc:
        ctx.add("archive.limits", f"{exc}; shared strings not read", where)
    except _PART_ERRORS as exc:
        ctx.add("engine.malformed", f"shared strings cannot be read: {exc}", where)
    return None


def _is_xml(key: str, declared: str) -> bool:
    if declared:
        return declared.endswith("xml")
    return key.endswith(_XML_EXTENSIONS)


def _check_part(
    ctx: Context,
    package: _Package,
    info: zipfile.ZipInfo,
    shared: SharedStrings,
    inspect: Inspect,
) -> None:
    key = part_name(info.filename)
    declared = package.declared(key)
    where = Location(member=info.filename)
    if _PRINTER_SETTINGS.search(key):
        ctx.add("engine.unread", "printer settings are an opaque binary part; not read", where)
        return
    with package.archive.open(info) as raw:
        stream = BudgetReader(raw, ctx.budget)
        if not _is_xml(key, declared):
            found = inspect(ctx.inside(info.filename), stream, info.filename)
            if declared.startswith("image/") and found not in IMAGE_TYPES:
                ctx.add(
                    "type.extension_mismatch",
                    f"part is declared as `{declared}` but its content is `{found}`",
                    where,
                )
            return
        head = read_head(stream, 4096)
        part = HeadReader(head, stream)
        if _root_name(head) == "worksheet":
            _check_sheet(ctx, package, info, part, shared)
        else:
            text = PartText(ctx.inside(info.filename, nested=False))
            for line in text_lines(part):
                text.add(line)
            text.finish()


def _root_name(head: bytes) -> str:
    position = 0
    while True:
        match = _ROOT_TAG.search(head, position)
        if match is None:
            return ""
        before = head[max(0, match.start() - 1) : match.start()]
        if before not in (b"?", b"!"):
            return match.group(2).decode("ascii", "replace")
        position = match.end()


def _check_sheet(
    ctx: Context,
    package: _Package,
    info: zipfile.ZipInfo,
    part: Readable,
    shared: SharedStrings,
) -> None:
    key = part_name(info.filename)
    name, state = package.sheets.get(key, (info.filename, "orphan"))
    sheet_ctx = ctx.inside(f"sheet {name}", nested=False)
    if state in ("hidden", "veryHidden"):
        sheet_ctx.add("office.hidden_sheets", f"sheet is {state}; it was checked like the others")
    elif state == "orphan":
        sheet_ctx.add(
            "office.hidden_sheets",
            "worksheet part is not listed in the workbook, so no one sees it; it was checked like the others",
        )
    max_rows = ctx.int_param("limits.table_rows", "max_rows", 5000)
    limit_rows = ctx.enabled("limits.table_rows")
    table = sheet_ctx.table_scanner(name)
    rows_text = PartText(sheet_ctx)
    other_text = PartText(ctx.inside(info.filename, nested=False))
    rows = 0
    for what, cells in sheet_items(part, shared):
        if what == "text":
            for text in cells:
                other_text.add(text)
            continue
        rows += 1
        if not limit_rows or rows <= max_rows + 1:
            table.feed_row(cells)
        rows_text.add(",".join(cells), rows)
    if limit_rows and rows - 1 > max_rows:
        sheet_ctx.add(
            "limits.table_rows",
            f"sheet has {rows - 1:,} data rows, more than the limit of {max_rows:,}; "
            f"cell-level table checks covered the first {max_rows:,}, text checks every row",
        )
    sheet_ctx.add_findings(table.finish())
    rows_text.finish(as_rows=True)
    other_text.finish()


__all__ = ["check_office", "part_name"]
