"""Office documents: every part is read, whatever the package's own index says."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from orchestrator.checks import office, workbooks
from orchestrator.checks.content import default_content_scanners
from orchestrator.checks.engine import check_file
from orchestrator.checks.model import Verdict
from orchestrator.checks.rulesets import load_named_ruleset
from tests.unit.checks.archive_files import make_zip
from tests.unit.checks.conftest import CheckBytes, rules_of
from tests.unit.checks.doubles import Recorder

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook(rows: list[list[object]] | None = None) -> dict[str, bytes]:
    """The members of a clean workbook made by openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Counts"
    for row in rows or [["group", "n"], ["a", 30], ["b", 40]]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    return {name: source.read(name) for name in source.namelist()}


def sheet_xml(*cells: str) -> bytes:
    row = "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells)
    return f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{row}</row></sheetData></worksheet>'.encode()


def shared_workbook(strings: list[str], used: int) -> dict[str, bytes]:
    """A workbook whose sheet's column A uses the first ``used`` of ``strings`` (shared)."""
    members = workbook()
    rels = (
        members["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>',
        )
    )
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    rows = "".join(
        f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(used)
    )
    members.update(
        {
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{items}</sst>'.encode(),
            "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode(),
        }
    )
    return members


HIDING_PLACES = {
    "customXml/item1.xml": b'<data><row id="SECRET"/></data>',
    "xl/pivotCache/pivotCacheRecords1.xml": f'<pivotCacheRecords xmlns="{MAIN}"><r><s v="SECRET"/></r></pivotCacheRecords>'.encode(),
    "xl/comments1.xml": f'<comments xmlns="{MAIN}"><commentList><comment ref="A1"><text><r><t>SECRET</t></r></text></comment></commentList></comments>'.encode(),
    "xl/charts/chart1.xml": b'<c:chartSpace xmlns:c="c" xmlns:a="a"><c:title><a:p><a:r><a:t>SECRET</a:t></a:r></a:p></c:title></c:chartSpace>',
    "xl/worksheets/sheet9.xml": sheet_xml("name", "SECRET"),
    "docProps/custom.xml": b'<Properties xmlns="p"><property name="x"><vt:lpwstr xmlns:vt="v">SECRET</vt:lpwstr></property></Properties>',
    "xl/tables/table1.xml": b'<table xmlns="t" name="x"><tableColumn name="x">note<extra>SECRET</extra> tail</tableColumn></table>',
}


@pytest.mark.parametrize("member", sorted(HIDING_PLACES))
def test_text_in_parts_the_workbook_does_not_name_is_read(
    check_bytes: CheckBytes, member: str
) -> None:
    report = check_bytes("results.xlsx", make_zip({**workbook(), member: HIDING_PLACES[member]}))
    assert report.type == "xlsx"
    hits = [f.location.member for f in report.findings if f.rule == "secrets.tokens"]
    assert hits, report.findings
    assert all(member in str(hit) for hit in hits), hits
    assert report.verdict == Verdict.BLOCK


def test_defined_names_and_formulas_are_read(check_bytes: CheckBytes) -> None:
    members = workbook()
    book = members["xl/workbook.xml"].decode()
    book = book.replace(
        "</workbook>",
        '<definedNames><definedName name="k">"SECRET"</definedName></definedNames></workbook>',
    )
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("<v>30</v>", '<f>"SECRET"&amp;""</f><v>30</v>')
    members.update({"xl/workbook.xml": book.encode(), "xl/worksheets/sheet1.xml": sheet.encode()})
    report = check_bytes("results.xlsx", make_zip(members))
    assert {f.location.member for f in report.findings if f.rule == "secrets.tokens"} == {
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
    }


def test_an_orphan_sheet_is_read_as_a_table_and_flagged(check_bytes: CheckBytes) -> None:
    orphan = f'<worksheet xmlns="{MAIN}"><sheetData><row><c><v>3</v></c></row><row><c><v>4</v></c></row></sheetData></worksheet>'
    report = check_bytes(
        "results.xlsx", make_zip({**workbook(), "xl/worksheets/extra.xml": orphan.encode()})
    )
    found = {(f.rule, f.location.member) for f in report.findings}
    assert ("office.hidden_sheets", "sheet xl/worksheets/extra.xml") in found
    assert ("tables.min_cell_count", "sheet xl/worksheets/extra.xml") in found


def test_a_sheet_whose_member_name_differs_in_case_is_still_read(check_bytes: CheckBytes) -> None:
    members = workbook([["k", "v"], ["token", "SECRET"]])
    members["XL/Worksheets/Sheet1.xml"] = members.pop("xl/worksheets/sheet1.xml")
    report = check_bytes("results.xlsx", make_zip(members))
    assert ("secrets.tokens", "sheet Counts") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_two_members_naming_the_same_part_are_refused(check_bytes: CheckBytes) -> None:
    members = workbook()
    members["xl/%77orksheets/sheet1.xml"] = sheet_xml("fine")
    report = check_bytes("results.xlsx", make_zip(members))
    assert "engine.malformed" in rules_of(report)
    assert report.verdict == Verdict.BLOCK


def test_files_embedded_anywhere_are_opened_and_checked(check_bytes: CheckBytes) -> None:
    inner = make_zip({"data.txt": b"SECRET\n"})
    report = check_bytes(
        "results.xlsx", make_zip({**workbook(), "customXml/attachment.dat": inner})
    )
    assert ("secrets.tokens", "customXml/attachment.dat!data.txt") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_a_part_declared_as_an_image_that_is_not_one_is_flagged(check_bytes: CheckBytes) -> None:
    members = workbook()
    types = (
        members["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/xl/drawings/pic.bin" ContentType="image/png"/></Types>',
        )
    )
    members.update({"[Content_Types].xml": types.encode(), "xl/drawings/pic.bin": b"g,n\na,30\n"})
    report = check_bytes("results.xlsx", make_zip(members))
    assert ("type.extension_mismatch", "xl/drawings/pic.bin") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_an_entity_declared_deep_in_a_part_is_refused(check_bytes: CheckBytes) -> None:
    late = (
        b"<?xml version='1.0'?>"
        + b"<!--"
        + b" " * 8192
        + b"-->"
        + b'<!DOCTYPE x [<!ENTITY a "SECRET">]><x>&a;</x>'
    )
    report = check_bytes("results.xlsx", make_zip({**workbook(), "customXml/item1.xml": late}))
    assert ("engine.malformed", "customXml/item1.xml") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_a_part_in_utf16_is_refused(check_bytes: CheckBytes) -> None:
    wide = '<?xml version="1.0" encoding="UTF-16"?><x>fine</x>'.encode("utf-16")
    report = check_bytes("results.xlsx", make_zip({**workbook(), "customXml/item1.xml": wide}))
    assert "engine.malformed" in rules_of(report)


def test_the_shared_strings_limits_are_applied_while_reading(
    check_bytes: CheckBytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = shared_workbook([f"person {i}" for i in range(50)], 50)
    monkeypatch.setattr(office, "MAX_SHARED_STRINGS_BYTES", 200)
    report = check_bytes("big.xlsx", make_zip(members))
    assert ("archive.limits", "xl/sharedStrings.xml") in {
        (f.rule, f.location.member) for f in report.findings
    }
    monkeypatch.setattr(office, "MAX_SHARED_STRINGS_BYTES", 1 << 20)
    monkeypatch.setattr(workbooks, "MAX_SHARED_STRINGS", 10)
    report = check_bytes("many.xlsx", make_zip(members))
    assert ("archive.limits", "xl/sharedStrings.xml") in {
        (f.rule, f.location.member) for f in report.findings
    }
    assert report.verdict == Verdict.BLOCK


def test_shared_strings_resolve_cells(check_bytes: CheckBytes, recorder: Recorder) -> None:
    report = check_bytes("results.xlsx", make_zip(shared_workbook(["name", "alice"], 2)))
    assert report.verdict == Verdict.PASS, report.findings
    assert recorder.tables[0].rows == [["name"], ["alice"]]


def test_shared_strings_no_cell_uses_are_still_scanned(check_bytes: CheckBytes) -> None:
    members = shared_workbook(["name", "alice", "SECRET"], 2)
    report = check_bytes("results.xlsx", make_zip(members))
    assert [(f.rule, f.location.member, f.location.line) for f in report.findings] == [
        ("secrets.tokens", "xl/sharedStrings.xml", 3)
    ]


def nhs_number(seed: int) -> str:
    """A valid NHS number (modulus 11 check digit) derived from ``seed``."""
    while True:
        digits = [int(d) for d in f"{400_000_000 + seed * 7919 % 599_999_999:09d}"]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)
        seed += 1


@pytest.mark.parametrize("tier", ["default", "tier0", "tier1", "tier2", "tier3"])
def test_row_level_identifiers_hidden_in_custom_xml_never_pass(tmp_path: Path, tier: str) -> None:
    rows = "".join(
        f'<p nhs="{nhs_number(i)}" name="Person {i}" dob="1980-05-{1 + i % 28:02d}"/>'
        for i in range(20_000)
    )
    members = {**workbook(), "customXml/item1.xml": f"<people>{rows}</people>".encode()}
    path = tmp_path / "results.xlsx"
    path.write_bytes(make_zip(members))
    report = check_file(path, load_named_ruleset(tier), content=default_content_scanners())
    assert report.verdict != Verdict.PASS
    assert "identifiers.nhs_number" in rules_of(report)
    assert len(report.findings) < 1000


def test_text_split_across_runs_and_spans_is_read_whole(check_bytes: CheckBytes) -> None:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = (
        f'<w:document xmlns:w="{ns}"><w:body><w:p><w:r><w:t>SEC</w:t></w:r>'
        "<w:r><w:t>RET</w:t></w:r></w:p></w:body></w:document>"
    )
    docx = make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": document.encode()})
    assert "secrets.tokens" in rules_of(check_bytes("d.docx", docx))
    comment = f'<comments xmlns="{MAIN}"><commentList><comment ref="A1"><text><r><t>SEC</t></r><r><t>RET</t></r></text></comment></commentList></comments>'
    report = check_bytes("c.xlsx", make_zip({**workbook(), "xl/comments1.xml": comment.encode()}))
    assert "secrets.tokens" in rules_of(report)


def test_open_document_text_is_read_like_office_text(check_bytes: CheckBytes) -> None:
    content = (
        '<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>'
        "<text:p>SEC<text:span>RET</text:span> here</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    odt = make_zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": content.encode(),
            "META-INF/manifest.xml": b'<manifest:manifest xmlns:manifest="m"/>',
        }
    )
    report = check_bytes("notes.odt", odt)
    assert ("secrets.tokens", "content.xml") in {
        (f.rule, f.location.member) for f in report.findings
    }
