"""Jupyter notebooks: cell sources and every output checked like any other content.

Outputs are what most often leaks from a notebook: printed data frames, plots, error
messages quoting data. A notebook carrying outputs is flagged ``notebook.outputs`` so a
reviewer looks at it, and each output is checked: text like a file of its own kind
(a printed table goes to the table scanner, a printed archive is opened), HTML
tables through the table scanner, images through the image checks. Markdown cell
attachments are decoded and checked like files of their own kind; every other field
(notebook, cell and output metadata, unknown keys) is scanned as JSON text.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from html.parser import HTMLParser
from typing import Any

from orchestrator.checks.context import Context, Inspect
from orchestrator.checks.model import Location
from orchestrator.checks.textflow import LabelledText

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
_IMAGE_MIME = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
_NOTEBOOK_KEYS = frozenset({"cells", "nbformat", "nbformat_minor"})
_CELL_KEYS = frozenset({"cell_type", "source", "outputs", "attachments", "execution_count", "id"})
_OUTPUT_KEYS = frozenset({"output_type", "text", "traceback", "data", "name", "execution_count"})


class _HtmlTables(HTMLParser):
    """Collects the rows of every <table> and the remaining visible text of an HTML output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif data.strip():
            self.text.append(data.strip())


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def check_notebook(ctx: Context, data: bytes, inspect: Inspect) -> None:
    """Check a notebook document already read into memory (at most MAX_NOTEBOOK_BYTES)."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        ctx.add("engine.malformed", f"notebook is not valid JSON: {exc}")
        return
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        ctx.add("engine.malformed", "notebook has no list of cells")
        return
    labelled = LabelledText(ctx)
    outputs = 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            labelled.feed(f"cell {number}", json.dumps(cell, indent=1))
            continue
        labelled.feed(f"cell {number}", _joined(cell.get("source", "")))
        _feed_rest(labelled, f"cell {number}", cell, _CELL_KEYS)
        _check_attachments(ctx, labelled, f"cell {number}", cell.get("attachments"), inspect)
        for index, output in enumerate(cell.get("outputs") or [], start=1):
            if isinstance(output, dict):
                outputs += 1
                _check_output(ctx, labelled, f"cell {number} output {index}", output, inspect)
            else:
                labelled.feed(f"cell {number} output {index}", json.dumps(output, indent=1))
    _feed_rest(labelled, "notebook", doc, _NOTEBOOK_KEYS)
    labelled.finish()
    if outputs:
        ctx.add(
            "notebook.outputs",
            f"notebook carries {outputs} output(s); clear outputs unless they are the result to export",
        )


def _feed_rest(
    labelled: LabelledText, label: str, item: dict[str, Any], read_elsewhere: frozenset[str]
) -> None:
    """Every field not read on its own (metadata included), as JSON text."""
    for key, value in item.items():
        if key not in read_elsewhere and value not in (None, "", [], {}):
            text = value if isinstance(value, str) else json.dumps(value, indent=1)
            labelled.feed(f"{label} {key}", text)


def _check_attachments(
    ctx: Context, labelled: LabelledText, label: str, attachments: Any, inspect: Inspect
) -> None:
    """Markdown cell attachments: each decoded and checked like a file of its own kind."""
    if not attachments:
        return
    if not isinstance(attachments, dict):
        labelled.feed(f"{label} attachments", json.dumps(attachments, indent=1))
        return
    for name, bundle in attachments.items():
        where = f"{label} attachment {name}"
        if not isinstance(bundle, dict):
            labelled.feed(where, json.dumps(bundle, indent=1))
            continue
        for mime, value in bundle.items():
            if mime.startswith("text/") or mime.endswith("json"):
                labelled.feed(f"{where} {mime}", _joined(value))
                continue
            try:
                raw = base64.b64decode(_joined(value).replace("\n", ""), validate=True)
            except (binascii.Error, ValueError):
                ctx.add(
                    "engine.malformed",
                    f"{mime} attachment is not valid base64",
                    Location(member=where),
                )
                continue
            inspect(ctx.inside(str(name), nested=False), io.BytesIO(raw), str(name))


def _check_output(
    ctx: Context, labelled: LabelledText, label: str, output: dict[str, Any], inspect: Inspect
) -> None:
    _feed_rest(labelled, label, output, _OUTPUT_KEYS)
    if "text" in output:
        _check_text(ctx, label, _joined(output["text"]), inspect)
    if "traceback" in output:
        labelled.feed(f"{label} traceback", _joined(output["traceback"]))
    data = output.get("data")
    if not isinstance(data, dict):
        return
    for mime, value in data.items():
        if mime in _IMAGE_MIME:
            _check_image(ctx, label, mime, value, inspect)
        elif mime == "text/html":
            _check_html(ctx, labelled, label, _joined(value))
        elif mime.startswith("text/") or mime.endswith("json"):
            _check_text(ctx, f"{label} {mime}", _joined(value), inspect)
        else:
            ctx.add(
                "notebook.outputs",
                f"output of type {mime} cannot be checked",
                Location(member=label),
            )


def _check_text(ctx: Context, label: str, text: str, inspect: Inspect) -> None:
    """A text output, checked like a file of its own kind (a printed CSV is a table)."""
    inspect(ctx.inside(label, nested=False), io.BytesIO(text.encode("utf-8")), "output")


def _check_html(ctx: Context, labelled: LabelledText, label: str, html: str) -> None:
    parser = _HtmlTables()
    parser.feed(html)
    parser.close()
    labelled.feed(f"{label} html", "\n".join(parser.text))
    for number, rows in enumerate(parser.tables, start=1):
        table_ctx = ctx.inside(f"{label} table {number}", nested=False)
        scanner = table_ctx.table_scanner(f"{label} table {number}")
        for row in rows:
            scanner.feed_row(row)
            labelled.feed(f"{label} table {number}", ",".join(row))
        table_ctx.add_findings(scanner.finish())


def _check_image(ctx: Context, label: str, mime: str, value: Any, inspect: Inspect) -> None:
    try:
        raw = base64.b64decode(_joined(value).replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        ctx.add("engine.malformed", f"{mime} output is not valid base64", Location(member=label))
        return
    name = f"{label}.{_IMAGE_MIME[mime]}"
    inspect(ctx.inside(name, nested=False), io.BytesIO(raw), name)
