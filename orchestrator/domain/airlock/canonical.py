"""Canonical JSON: the one byte encoding that is hashed and signed.

Sorted keys, no insignificant whitespace, UTF-8, no NaN or infinity. Two equal
values always encode to the same bytes, so hashes and signatures are reproducible.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Encode ``value`` (JSON types only) canonically."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
