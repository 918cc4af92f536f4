"""Wrapping a file never hides it: the wrapped verdict is never milder and no finding is lost.

For any small text file F (tables, prose, identifiers, secrets, empty) and any wrapping
of F (a zip member, a part of an office document, a notebook output, a PNG text chunk,
a gzip stream), the engine's verdict on the wrapper is at least as severe as on F, and
every rule that fired on F fires on the wrapper too. The real content scanners and the
default rule set are used.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from orchestrator.checks.content import default_content_scanners
from orchestrator.checks.engine import FileReport, check_file
from orchestrator.checks.model import RuleSet, Verdict
from orchestrator.checks.rulesets import load_named_ruleset
from tests.unit.checks.archive_files import make_zip

RULES: RuleSet = load_named_ruleset("default")
SCANNERS = default_content_scanners()
SEVERITY = {Verdict.PASS: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}

CELLS = st.sampled_from(
    [
        "group", "n", "count", "dob", "name", "a", "b", "3", "7", "0", "30", "45", "120",
        "9434765919", "SW1A 1AA", "jane@example.org", "AB123456C", "1980-05-01",
        "AKIAIOSFODNN7EXAMPLE", "the results", "ACGTACGTACGTACGTACGTACGTACGTACGTAC", "<5",
    ]
)  # fmt: skip
LINES = st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=0, max_size=12)
SEPARATORS = st.sampled_from([",", "\t", " "])


def _png_pixels() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png_pixels()


def in_zip(data: bytes) -> tuple[str, bytes]:
    return "wrapped.zip", make_zip({"f": data})


def in_gzip(data: bytes) -> tuple[str, bytes]:
    return "f.gz", gzip.compress(data, mtime=0)


def in_office(data: bytes) -> tuple[str, bytes]:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = f'<w:document xmlns:w="{ns}"><w:body><w:p><w:r><w:t>Results</w:t></w:r></w:p></w:body></w:document>'
    members = {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": document.encode(),
        "word/f": data,
    }
    return "wrapped.docx", make_zip(members)


def in_notebook(data: bytes) -> tuple[str, bytes]:
    output = {"output_type": "stream", "name": "stdout", "text": data.decode()}
    cell = {"cell_type": "code", "source": "", "metadata": {}, "outputs": [output]}
    cell["execution_count"] = 1
    doc = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return "wrapped.ipynb", json.dumps(doc).encode()


def in_png_text(data: bytes) -> tuple[str, bytes]:
    body = b"Comment\x00" + data
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body))
    end = PNG.rindex(b"IEND") - 4
    return "wrapped.png", PNG[:end] + chunk + PNG[end:]


WRAPPINGS: dict[str, Callable[[bytes], tuple[str, bytes]]] = {
    "zip": in_zip,
    "gzip": in_gzip,
    "office": in_office,
    "notebook": in_notebook,
    "png text chunk": in_png_text,
}


def _check(folder: Path, name: str, data: bytes) -> FileReport:
    path = folder / name
    path.write_bytes(data)
    return check_file(path, RULES, content=SCANNERS)


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=LINES, separator=SEPARATORS, wrapping=st.sampled_from(sorted(WRAPPINGS)))
def test_a_wrapped_file_is_judged_at_least_as_severely(
    tmp_path: Path, lines: list[list[str]], separator: str, wrapping: str
) -> None:
    data = "".join(separator.join(cells) + "\n" for cells in lines).encode()
    alone = _check(tmp_path, "f", data)
    wrapped = _check(tmp_path, *WRAPPINGS[wrapping](data))
    assert SEVERITY[wrapped.verdict] >= SEVERITY[alone.verdict], (alone, wrapped)
    lost = {f.rule for f in alone.findings} - {f.rule for f in wrapped.findings}
    assert lost == set(), (alone.findings, wrapped.findings)
