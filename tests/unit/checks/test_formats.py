"""Containers of content: notebooks, images, PDFs and office files."""

from __future__ import annotations

import base64
import io
import json
import zlib

import openpyxl
from PIL import Image, PngImagePlugin

from orchestrator.checks.model import Verdict
from tests.unit.checks.archive_files import make_zip
from tests.unit.checks.conftest import CheckBytes, rules_of
from tests.unit.checks.doubles import Recorder


def png(text: dict[str, str] | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
        info.add_itxt(key + "-i", value, zip=True)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg(comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "JPEG", comment=comment, progressive=True)
    return buffer.getvalue()


def gif(comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (4, 4)).save(buffer, "GIF", comment=comment)
    return buffer.getvalue()


def notebook(outputs: list[dict[str, object]], source: str = "print(1)") -> bytes:
    cell = {
        "cell_type": "code",
        "source": source,
        "metadata": {},
        "outputs": outputs,
        "execution_count": 1,
    }
    return json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ).encode()


# --- notebooks -----------------------------------------------------------------------


def test_a_notebook_without_outputs_passes(check_bytes: CheckBytes) -> None:
    assert check_bytes("a.ipynb", notebook([])).verdict == Verdict.PASS


def test_a_notebook_with_outputs_goes_to_review(check_bytes: CheckBytes) -> None:
    report = check_bytes(
        "a.ipynb", notebook([{"output_type": "stream", "name": "stdout", "text": ["1\n"]}])
    )
    assert rules_of(report) == {"notebook.outputs"}
    assert report.verdict == Verdict.REVIEW


def test_notebook_sources_and_text_outputs_are_scanned_and_located(check_bytes: CheckBytes) -> None:
    report = check_bytes(
        "a.ipynb",
        notebook(
            [{"output_type": "stream", "name": "stdout", "text": ["ok\n", "SECRET\n"]}],
            source="x = 1\ny = 'SECRET'",
        ),
    )
    found = {(f.rule, f.location.member, f.location.line) for f in report.findings}
    assert ("secrets.tokens", "cell 1", 2) in found
    assert ("secrets.tokens", "cell 1 output 1", 2) in found


def test_html_table_outputs_go_to_the_table_scanner(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    html = "<table><tr><th>group</th><th>n</th></tr><tr><td>a</td><td>4</td></tr></table>"
    report = check_bytes(
        "a.ipynb",
        notebook(
            [{"output_type": "execute_result", "data": {"text/html": [html]}, "metadata": {}}]
        ),
    )
    assert recorder.tables[0].rows == [["group", "n"], ["a", "4"]]
    assert ("tables.min_cell_count", "cell 1 output 1 table 1") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_image_outputs_are_checked_as_images(check_bytes: CheckBytes) -> None:
    image = base64.b64encode(png() + b"appended").decode()
    report = check_bytes(
        "a.ipynb",
        notebook([{"output_type": "display_data", "data": {"image/png": image}, "metadata": {}}]),
    )
    assert ("image.trailing_data", "cell 1 output 1.png") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_a_broken_notebook_is_malformed(check_bytes: CheckBytes) -> None:
    report = check_bytes("a.ipynb", b'{"cells": [ {"nbformat": 4')
    assert "engine.malformed" in rules_of(report)


# --- images --------------------------------------------------------------------------


def test_a_plain_png_passes(check_bytes: CheckBytes) -> None:
    assert check_bytes("p.png", png({"Software": "matplotlib"})).verdict == Verdict.PASS


def test_png_text_chunks_are_scanned(check_bytes: CheckBytes) -> None:
    report = check_bytes("p.png", png({"Comment": "SECRET"}))
    members = {f.location.member for f in report.findings if f.rule == "secrets.tokens"}
    assert members == {"png tEXt", "png iTXt"}


def test_data_after_the_end_marker_is_blocked(check_bytes: CheckBytes) -> None:
    for name, data in (("p.png", png()), ("j.jpg", jpeg()), ("g.gif", gif())):
        report = check_bytes(name, data + b"PK\x03\x04 smuggled")
        assert rules_of(report) == {"image.trailing_data"}, name
        assert check_bytes(name, data).verdict == Verdict.PASS, name


def test_jpeg_and_gif_comments_are_scanned(check_bytes: CheckBytes) -> None:
    assert "secrets.tokens" in rules_of(check_bytes("j.jpg", jpeg(b"the SECRET")))
    assert "secrets.tokens" in rules_of(check_bytes("g.gif", gif(b"the SECRET")))


def test_truncated_images_are_malformed(check_bytes: CheckBytes) -> None:
    for name, data in (("p.png", png()), ("j.jpg", jpeg()), ("g.gif", gif())):
        assert "engine.malformed" in rules_of(check_bytes(name, data[: len(data) // 2])), name


# --- PDFs ----------------------------------------------------------------------------


def pdf(*objects: bytes) -> bytes:
    body = b"%PDF-1.7\n"
    for number, content in enumerate(objects, start=1):
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def stream(content: bytes, flate: bool = False) -> bytes:
    data = zlib.compress(content) if flate else content
    filters = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(data), filters) + data + b"\nendstream"


def test_a_plain_pdf_passes(check_bytes: CheckBytes) -> None:
    report = check_bytes(
        "d.pdf",
        pdf(b"<< /Type /Catalog /OpenAction [3 0 R /Fit] >>", stream(b"BT (Results) Tj ET")),
    )
    assert report.verdict == Verdict.PASS, report.findings


def test_pdf_javascript_and_launch_are_blocked_even_when_hex_escaped(
    check_bytes: CheckBytes,
) -> None:
    report = check_bytes(
        "d.pdf", pdf(b"<< /Type /Catalog /OpenAction << /S /J#61vaScript /JS (app.alert(1)) >> >>")
    )
    assert rules_of(report) == {"pdf.active_content"}
    assert "JavaScript" in report.findings[0].message
    assert "pdf.active_content" in rules_of(
        check_bytes("l.pdf", pdf(b"<< /S /Launch /F (cmd.exe) >>"))
    )


def test_pdf_attachments_are_blocked(check_bytes: CheckBytes) -> None:
    report = check_bytes("d.pdf", pdf(b"<< /Names << /EmbeddedFiles 2 0 R >> >>"))
    assert rules_of(report) == {"pdf.attachments"}


def test_active_content_hidden_in_compressed_object_streams_is_found(
    check_bytes: CheckBytes,
) -> None:
    report = check_bytes("d.pdf", pdf(stream(b"<< /S /JavaScript /JS (x) >>", flate=True)))
    assert "pdf.active_content" in rules_of(report)


def test_pdf_text_in_plain_and_compressed_streams_is_scanned(check_bytes: CheckBytes) -> None:
    assert "secrets.tokens" in rules_of(check_bytes("a.pdf", pdf(stream(b"BT (SECRET) Tj ET"))))
    assert "secrets.tokens" in rules_of(
        check_bytes("b.pdf", pdf(stream(b"BT (SECRET) Tj ET", flate=True)))
    )


def test_pdf_streams_in_unreadable_encodings_are_flagged(check_bytes: CheckBytes) -> None:
    report = check_bytes("d.pdf", pdf(b"<< /Filter /LZWDecode >>\nstream\nabc\nendstream"))
    assert rules_of(report) == {"pdf.unscanned_streams"}
    images = check_bytes("i.pdf", pdf(b"<< /Filter /DCTDecode >>\nstream\n\xff\xd8\nendstream"))
    assert images.verdict == Verdict.PASS


def test_encrypted_pdfs_are_blocked(check_bytes: CheckBytes) -> None:
    assert "archive.encrypted" in rules_of(check_bytes("e.pdf", pdf(b"<< /Encrypt 5 0 R >>")))


# --- office --------------------------------------------------------------------------


def xlsx(hidden: bool = False, cells: list[list[object]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Counts"
    for row in cells or [["group", "n"], ["a", 30], ["b", "note"]]:
        sheet.append(row)
    if hidden:
        extra = book.create_sheet("Raw")
        extra.append(["id", "n"])
        extra.append(["x", 3])
        extra.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    return make_zip({**{n: source.read(n) for n in source.namelist()}, name: content})


def test_a_workbook_is_detected_and_fed_to_the_table_scanner(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    report = check_bytes("t.xlsx", xlsx())
    assert report.type == "xlsx"
    assert report.verdict == Verdict.PASS, report.findings
    assert recorder.tables[0].rows == [["group", "n"], ["a", "30"], ["b", "note"]]


def test_hidden_sheets_go_to_review_and_are_checked(check_bytes: CheckBytes) -> None:
    report = check_bytes("t.xlsx", xlsx(hidden=True))
    found = {(f.rule, f.location.member) for f in report.findings}
    assert ("office.hidden_sheets", "sheet Raw") in found
    assert ("tables.min_cell_count", "sheet Raw") in found


def test_sheet_cell_text_is_scanned(check_bytes: CheckBytes) -> None:
    report = check_bytes("t.xlsx", xlsx(cells=[["k", "v"], ["token", "SECRET"]]))
    assert "secrets.tokens" in rules_of(report)


def test_macros_are_blocked(check_bytes: CheckBytes) -> None:
    report = check_bytes("t.xlsm", with_member(xlsx(), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0"))
    assert "office.macros" in rules_of(report)
    assert report.verdict == Verdict.BLOCK


def test_embedded_objects_are_blocked(check_bytes: CheckBytes) -> None:
    report = check_bytes("t.xlsx", with_member(xlsx(), "xl/embeddings/oleObject1.bin", b"x"))
    assert "office.embedded_objects" in rules_of(report)


def docx(text: str) -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = (
        f'<?xml version="1.0"?><w:document xmlns:w="{ns}"><w:body>'
        f"<w:p><w:r><w:t>Results</w:t></w:r></w:p><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
        "</w:body></w:document>"
    ).encode()
    return make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": document})


def test_document_text_is_scanned_by_paragraph(check_bytes: CheckBytes) -> None:
    report = check_bytes("d.docx", docx("the SECRET"))
    assert report.type == "docx"
    assert [(f.rule, f.location.member, f.location.line) for f in report.findings] == [
        ("secrets.tokens", "word/document.xml", 2)
    ]
    assert check_bytes("ok.docx", docx("fine")).verdict == Verdict.PASS


def test_office_xml_with_a_dtd_is_refused(check_bytes: CheckBytes) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w:document xmlns:w="w">&a;</w:document>'
    report = check_bytes(
        "d.docx", make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": bomb})
    )
    assert "engine.malformed" in rules_of(report)


def test_pathological_pdf_strings_are_scanned_in_linear_time(check_bytes: CheckBytes) -> None:
    import time

    data = pdf(b"(" * 200_000, stream(b"(\\" * 200_000))
    start = time.monotonic()
    report = check_bytes("p.pdf", data)
    assert time.monotonic() - start < 5.0
    assert report.verdict == Verdict.PASS
