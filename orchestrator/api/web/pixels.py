"""Images for reviewers as freshly encoded PNG pixels, never the file's own bytes.

The quarantined image is decoded by Pillow (with a pixel limit against
decompression bombs), its first frame converted to RGB(A), and encoded anew as
PNG: metadata, extra frames, embedded profiles and anything after the image data
are dropped, and the browser only ever parses a PNG the airlock wrote.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from orchestrator.domain.airlock.errors import InvalidInput

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"})
MAX_PIXELS = 40_000_000
"""Images with more pixels than this are not decoded."""


def is_image(name: str) -> bool:
    lower = name.lower()
    return "." in lower and lower[lower.rfind(".") :] in IMAGE_SUFFIXES


def reencode_png(data: bytes) -> bytes:
    """The image's first frame as a new PNG, or :class:`InvalidInput` if it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise InvalidInput(
                        f"the image is {width} by {height} pixels, more than the viewer decodes"
                    )
                image.seek(0)
                frame = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (
        OSError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        raise InvalidInput(f"the image could not be decoded: {exc}") from exc
    out = io.BytesIO()
    frame.save(out, format="PNG")
    return out.getvalue()
