"""Office Open XML files (XLSX, DOCX, PPTX): macros, hidden sheets, embedded objects, content.

Workbook sheets are parsed from their XML with the standard library's streaming
``iterparse`` (shared strings resolved, gaps in a row filled) and fed row by row to a
table scanner per sheet and, as text, to the text scanner. Document and slide text,
comments, headers, footers and document properties go to the text scanner. Media
(pictures) go through the pipeline like any archive member.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import iterparse as _iterparse

from orchestrator.checks.context import Context, Inspect
from orchestrator.checks.model import Location
from orchestrator.checks.streams import (
    BudgetExceeded,
    BudgetReader,
    HeadReader,
    Readable,
    read_head,
)
from orchestrator.checks.textflow import LabelledText

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_TEXT_TAGS = ("}t",)  # w:t, a:t, and spreadsheet t all end with }t
_TEXT_PARTS = re.compile(
    r"^(word/(document|comments|footnotes|endnotes|header\d*|footer\d*)\.xml"
    r"|ppt/(slides/slide|notesSlides/notesSlide|comments/comment)\d*\.xml"
    r"|docProps/(core|app|custom)\.xml)$"
)
_MEDIA = re.compile(r"^(word|xl|ppt)/media/")
_EMBEDDED = re.compile(r"^(word|xl|ppt)/(embeddings|activeX|externalLinks)/", re.IGNORECASE)
_MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024


def iterparse(stream: Readable) -> Iterator[tuple[str, Element]]:
    """Stream-parse an XML part, refusing DTDs (entity expansion, external entities).

    Office Open XML parts never declare a DTD, so one is a sign of a crafted file.
    """
    head = read_head(stream, 4096)
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise ParseError("XML part declares a DTD, which office documents never do")
    return _iterparse(HeadReader(head, stream), events=("end",))  # noqa: S314 - DTDs refused above


def check_office(ctx: Context, archive: zipfile.ZipFile, kind: str, inspect: Inspect) -> None:
    """Check an office document's structure and content."""
    names = archive.namelist()
    for name in names:
        where = Location(member=name)
        lowered = name.lower()
        if lowered.endswith("vbaproject.bin") or lowered.endswith("vbadata.xml"):
            ctx.add("office.macros", "document carries macros (VBA project)", where)
        elif _EMBEDDED.match(name):
            ctx.add(
                "office.embedded_objects",
                "document carries an embedded object or external link",
                where,
            )
    try:
        if kind == "xlsx":
            _check_workbook(ctx, archive)
        labelled = LabelledText(ctx)
        for name in names:
            if _TEXT_PARTS.match(name):
                with archive.open(name) as part:
                    for index, paragraph in enumerate(_paragraphs(BudgetReader(part, ctx.budget))):
                        labelled.feed(f"{name} paragraph {index + 1}", paragraph)
        labelled.finish()
        for name in names:
            if _MEDIA.match(name):
                ctx.budget.take_member(name)
                with archive.open(name) as part:
                    inspect(ctx.inside(name, nested=False), BudgetReader(part, ctx.budget), name)
    except BudgetExceeded as exc:
        ctx.add("archive.limits", f"{exc}; the document was not fully checked")
    except (ParseError, KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        ctx.add("engine.malformed", f"{kind} document cannot be read: {exc}")


def _paragraphs(stream: Readable) -> Iterator[str]:
    """Text of each paragraph-like element (w:p, a:p) or, failing those, each text run."""
    parts: list[str] = []
    for _, element in iterparse(stream):
        tag = element.tag
        if tag.endswith(_TEXT_TAGS) and element.text:
            parts.append(element.text)
        elif tag.endswith("}p") and parts:
            yield " ".join(parts)
            parts = []
        elif _is_property(tag) and element.text and element.text.strip() and not len(element):
            # Property values in docProps (creator, title, ...) are bare elements.
            parts.append(element.text.strip())
        element.clear()
    if parts:
        yield " ".join(parts)


def _is_property(tag: str) -> bool:
    return "purl.org" in tag or "properties" in tag


def _workbook_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(sheet name, state, part path) for each sheet of a workbook."""
    targets: dict[str, str] = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in archive.namelist():
        with archive.open(rels) as part:
            for _, element in iterparse(part):
                if element.tag == f"{_PKG_REL}Relationship":
                    target = element.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                    targets[element.get("Id", "")] = target
    sheets = []
    with archive.open("xl/workbook.xml") as part:
        for _, element in iterparse(part):
            if element.tag == f"{_MAIN}sheet":
                rel_id = element.get(f"{_REL}id", "")
                sheets.append(
                    (
                        element.get("name", "?"),
                        element.get("state", "visible"),
                        targets.get(rel_id, ""),
                    )
                )
    return sheets


def _shared_strings(archive: zipfile.ZipFile, ctx: Context) -> list[str]:
    path = "xl/sharedStrings.xml"
    if path not in archive.namelist():
        return []
    strings: list[str] = []
    with archive.open(path) as part:
        reader = BudgetReader(part, ctx.budget, _MAX_SHARED_STRINGS_BYTES)
        texts: list[str] = []
        for _, element in iterparse(reader):
            if element.tag == f"{_MAIN}t":
                texts.append(element.text or "")
            elif element.tag == f"{_MAIN}si":
                strings.append("".join(texts))
                texts = []
                element.clear()
    return strings


def _column_index(ref: str) -> int:
    match = _CELL_REF.match(ref)
    if not match:
        return -1
    index = 0
    for char in match.group(1):
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _rows(stream: Readable, shared: list[str]) -> Iterator[list[str]]:
    """Rows of a worksheet as lists of cell text, gaps filled with empty strings."""
    row: list[str] = []
    value: str | None = None
    inline: list[str] = []
    for _, element in iterparse(stream):
        tag = element.tag
        if tag == f"{_MAIN}v":
            value = element.text or ""
        elif tag == f"{_MAIN}t":
            inline.append(element.text or "")
        elif tag == f"{_MAIN}c":
            text = "".join(inline) if value is None else value
            if element.get("t") == "s" and value is not None:
                index = int(value) if value.isdigit() else -1
                text = shared[index] if 0 <= index < len(shared) else ""
            column = _column_index(element.get("r", ""))
            if column > len(row):
                row.extend([""] * (min(column, 16384) - len(row)))
            row.append(text)
            value, inline = None, []
            element.clear()
        elif tag == f"{_MAIN}row":
            yield row
            row = []
            element.clear()


def _check_workbook(ctx: Context, archive: zipfile.ZipFile) -> None:
    shared = _shared_strings(archive, ctx)
    max_rows = ctx.int_param("limits.table_rows", "max_rows", 5000)
    limit_rows = ctx.enabled("limits.table_rows")
    for sheet_name, state, part_path in _workbook_sheets(archive):
        where = Location(member=f"sheet {sheet_name}")
        if state in ("hidden", "veryHidden"):
            ctx.add(
                "office.hidden_sheets", f"sheet is {state}; it was checked like the others", where
            )
        if not part_path or part_path not in archive.namelist():
            continue
        sheet_ctx = ctx.inside(f"sheet {sheet_name}", nested=False)
        table = sheet_ctx.table_scanner(f"{sheet_name}")
        labelled = LabelledText(sheet_ctx)
        rows = 0
        with archive.open(part_path) as part:
            for row in _rows(BudgetReader(part, ctx.budget), shared):
                rows += 1
                if not limit_rows or rows <= max_rows + 1:
                    table.feed_row(row)
                    labelled.feed(f"row {rows}", ",".join(row))
        if limit_rows and rows - 1 > max_rows:
            sheet_ctx.add(
                "limits.table_rows",
                f"sheet has {rows - 1:,} data rows, more than the limit of {max_rows:,}; "
                f"cell-level disclosure checks covered the first {max_rows:,}",
            )
        sheet_ctx.add_findings(table.finish())
        labelled.finish()
