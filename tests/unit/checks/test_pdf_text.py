"""PDF text is read the way a viewer shows it; what cannot be read says so."""

from __future__ import annotations

import base64
import zlib

import pytest

from orchestrator.checks.model import Verdict
from tests.unit.checks.conftest import CheckBytes, rules_of
from tests.unit.checks.doubles import Recorder
from tests.unit.checks.test_formats import pdf, stream

HIDDEN_TEXT = {
    "kerning array": b"BT [(SE) -20 (CR) 15 (ET)] TJ ET",
    "hex string": b"BT <534543524554> Tj ET",
    "octal escapes": b"BT (\\123\\105\\103\\122\\105\\124) Tj ET",
    "split show operators": b"BT (SEC) Tj 4 0 Td (RET) Tj ET",
    "utf-16 hex string": b"BT <FEFF00530045004300520045005400> Tj ET",
}


@pytest.mark.parametrize("how", sorted(HIDDEN_TEXT))
def test_text_split_or_encoded_in_content_is_read(check_bytes: CheckBytes, how: str) -> None:
    report = check_bytes(
        "d.pdf", pdf(b"<< /Type /Catalog >>", stream(HIDDEN_TEXT[how], flate=True))
    )
    assert "secrets.tokens" in rules_of(report), report.findings


def test_lines_of_text_stay_apart(check_bytes: CheckBytes, recorder: Recorder) -> None:
    content = b"BT (first) Tj 0 -14 Td (second) Tj T* [(thi) -300 (rd)] TJ ET"
    check_bytes("d.pdf", pdf(b"<< /Type /Catalog >>", stream(content)))
    assert "first\nsecond\nthi rd" in recorder.all_text()


def test_metadata_in_hex_strings_and_xmp_is_read(check_bytes: CheckBytes) -> None:
    info = b"<< /Author <534543524554> >>"
    report = check_bytes("d.pdf", pdf(b"<< /Type /Catalog >>", info))
    assert "secrets.tokens" in rules_of(report)
    xmp = b'<?xpacket begin=""?><x:xmpmeta><dc:creator>SECRET</dc:creator></x:xmpmeta>'
    report = check_bytes("m.pdf", pdf(b"<< /Type /Metadata /Subtype /XML >>", stream(xmp)))
    assert "secrets.tokens" in rules_of(report)


@pytest.mark.parametrize(
    "filters",
    [b"/ASCIIHexDecode", b"/ASCII85Decode", b"[/ASCII85Decode /FlateDecode]"],
)
def test_text_behind_chains_of_text_filters_is_read(
    check_bytes: CheckBytes, filters: bytes
) -> None:
    content = b"BT (SECRET) Tj ET"
    if filters == b"/ASCIIHexDecode":
        data = content.hex().encode() + b">"
    elif filters == b"/ASCII85Decode":
        data = base64.a85encode(content, adobe=True)
    else:
        data = base64.a85encode(zlib.compress(content), adobe=True)
    body = b"<< /Length %d /Filter %s >>\nstream\n" % (len(data), filters) + data + b"\nendstream"
    report = check_bytes("d.pdf", pdf(b"<< /Type /Catalog >>", body))
    assert "secrets.tokens" in rules_of(report), report.findings


def test_a_decoy_image_filter_name_does_not_hide_a_text_stream(check_bytes: CheckBytes) -> None:
    data = zlib.compress(b"BT (SECRET) Tj ET")
    body = b"<< /Length %d /Filter /FlateDecode /Note /DCTDecode >>\nstream\n" % len(data)
    report = check_bytes("d.pdf", pdf(b"<< /Type /Catalog >>", body + data + b"\nendstream"))
    assert "secrets.tokens" in rules_of(report)


def test_a_stream_expanding_beyond_the_limit_is_not_passed(check_bytes: CheckBytes) -> None:
    compressor = zlib.compressobj(9)
    data = compressor.compress(b" " * (20 * 1024 * 1024)) + compressor.compress(b"SECRET")
    data += compressor.flush()
    body = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    report = check_bytes("d.pdf", pdf(b"<< /Type /Catalog >>", body))
    assert "archive.limits" in rules_of(report)
    assert report.verdict == Verdict.BLOCK
