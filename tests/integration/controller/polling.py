"""Bounded waits for changes a real service applies asynchronously.

SeaweedFS propagates identity changes (keys, policies, deleted users) from its filer to
the S3 gateway in the background; it has been measured at several seconds per change on
slow machines and milliseconds on others. Tests poll until the change shows, up to a
limit, instead of sleeping a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1) -> T:
    """Call ``check`` until it returns without raising (``AssertionError`` or any error),
    for at most ``timeout`` seconds; then re-raise its last error."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except Exception:
            if time.monotonic() >= deadline:
                raise
            time.sleep(interval)
