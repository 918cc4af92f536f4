"""Images reach the reviewer's browser only as PNGs the airlock encoded itself."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from orchestrator.api.web.pixels import is_image, reencode_png
from orchestrator.domain.airlock.errors import InvalidInput

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_with_extras() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "patient NHS 943 476 5919")
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(out, format="PNG", pnginfo=info)
    return out.getvalue() + b"<script>alert(1)</script>"


def test_text_chunks_and_trailing_bytes_do_not_survive() -> None:
    original = _png_with_extras()
    png = reencode_png(original)
    assert png.startswith(PNG_SIGNATURE)
    assert png != original
    assert b"NHS" not in png
    assert b"script" not in png
    with Image.open(io.BytesIO(png)) as shown:
        assert (shown.size, shown.mode, shown.getpixel((0, 0))) == ((4, 3), "RGB", (200, 10, 10))


def test_a_jpeg_comes_out_as_png() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 255)).save(out, format="JPEG")
    assert reencode_png(out.getvalue()).startswith(PNG_SIGNATURE)


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(InvalidInput, match="could not be decoded"):
        reencode_png(b"<html><script>alert(1)</script></html>")


def test_an_image_with_too_many_pixels_is_not_decoded() -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, format="PNG")
    with pytest.raises(InvalidInput, match="10000 by 5000 pixels"):
        reencode_png(out.getvalue())


def test_images_are_recognised_by_name() -> None:
    assert [is_image(n) for n in ["a.PNG", "b.jpeg", "c.csv", "png"]] == [True, True, False, False]
