"""Images: every metadata chunk is read as text; dimensions are judged before decoding."""

from __future__ import annotations

import struct
import time
import zlib

import pytest

from orchestrator.checks.model import Verdict
from tests.unit.checks.conftest import CheckBytes, rules_of
from tests.unit.checks.test_formats import gif, jpeg, png


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_chunk(image: bytes, kind: bytes, body: bytes) -> bytes:
    end = image.rindex(b"IEND") - 4
    return image[:end] + chunk(kind, body) + image[end:]


@pytest.mark.parametrize("kind", [b"prVt", b"tEXT", b"sTER", b"caNv"])
def test_private_and_unknown_png_chunks_are_read(check_bytes: CheckBytes, kind: bytes) -> None:
    report = check_bytes("plot.png", with_chunk(png(), kind, b"\x00\x01note SECRET here\x02"))
    assert ("secrets.tokens", f"png chunk {kind.decode()}") in {
        (f.rule, f.location.member) for f in report.findings
    }


def test_utf16_text_in_exif_is_read(check_bytes: CheckBytes) -> None:
    exif = b"Exif\x00\x00II*\x00" + b"\x00" * 8 + "note SECRET".encode("utf-16-le") + b"\x00\x00"
    image = jpeg()
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    report = check_bytes("plot.jpg", image[:2] + app1 + image[2:])
    assert "secrets.tokens" in rules_of(report)


def png_of_size(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_of_size(width: int, height: int) -> bytes:
    image = bytearray(jpeg())
    sof = next(
        i for i in range(len(image) - 1) if image[i] == 0xFF and image[i + 1] in (0xC0, 0xC2)
    )
    struct.pack_into(">HH", image, sof + 5, height, width)
    return bytes(image)


def gif_of_size(width: int, height: int) -> bytes:
    image = bytearray(gif())
    struct.pack_into("<HH", image, 6, width, height)
    return bytes(image)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("huge.png", png_of_size(100_000, 100_000)),
        ("huge.jpg", jpeg_of_size(65_000, 65_000)),
        ("huge.gif", gif_of_size(65_000, 65_000)),
    ],
    ids=["png", "jpeg", "gif"],
)
def test_images_beyond_the_pixel_budget_are_blocked_from_their_header(
    check_bytes: CheckBytes, name: str, data: bytes
) -> None:
    start = time.monotonic()
    report = check_bytes(name, data)
    assert time.monotonic() - start < 1.0
    assert "image.pixels" in rules_of(report)
    assert report.verdict == Verdict.BLOCK


def test_an_ordinary_figure_is_within_the_pixel_budget(check_bytes: CheckBytes) -> None:
    assert check_bytes("fig.png", png_of_size(3000, 2000)).verdict == Verdict.PASS


@pytest.mark.parametrize(
    "text",
    [b"<tspan>SEC</tspan><tspan>RET</tspan>", b"&#83;ECR&#x45;T", b"SEC<!-- -->RET"],
    ids=["pieces", "references", "comment"],
)
def test_svg_text_is_read_as_drawn(check_bytes: CheckBytes, text: bytes) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="2">' + text + b"</text></svg>"
    report = check_bytes("fig.svg", svg)
    assert ("secrets.tokens", "svg text") in {(f.rule, f.location.member) for f in report.findings}
