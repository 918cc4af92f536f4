"""Byte streams the pipeline reads through: hashing, expansion budgets, spooling.

Everything reads in chunks of :data:`CHUNK` bytes so memory stays flat whatever the
file size. :class:`HashingReader` computes SHA-256 and size of everything that passes
through it (and can drain the rest), so hashing shares the pass that feeds the
scanners. :class:`Budget` is the running allowance for archive expansion, shared by all
nesting levels of one top-level file; :class:`BudgetReader` charges it as bytes are read.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Protocol

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 4 * 1024 * 1024


class Readable(Protocol):
    """Anything with ``read``: files, decompressors, archive members, the readers below."""

    def read(self, size: int = -1, /) -> bytes: ...


class BudgetExceeded(Exception):
    """Expanding further would pass an archive limit; the message says which."""


class PartTooLarge(BudgetExceeded):
    """One stream is larger than its own limit (the shared budget may have room left)."""


@dataclass
class Budget:
    """What is left of the archive limits for one top-level file."""

    max_depth: int
    members_left: int
    bytes_left: int
    max_ratio: int

    def take_member(self, name: str) -> None:
        if self.members_left <= 0:
            raise BudgetExceeded(f"more members than the limit, stopped at `{name}`")
        self.members_left -= 1

    def take_bytes(self, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise BudgetExceeded("expanded content is larger than the limit")


class HashingReader(io.RawIOBase):
    """Reads ``raw`` sequentially, hashing and counting every byte that passes."""

    def __init__(
        self,
        raw: Readable,
        *,
        hashing: bool = True,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._hash = hashlib.sha256() if hashing else None
        self._on_bytes = on_bytes
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size is not None and size >= 0 else CHUNK)
        if data:
            self._account(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _account(self, data: bytes) -> None:
        self.size += len(data)
        if self._hash is not None:
            self._hash.update(data)
        if self._on_bytes is not None:
            self._on_bytes(len(data))

    def drain(self) -> None:
        """Read (and hash) whatever the checks did not need."""
        while self.read(CHUNK):
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest() if self._hash is not None else ""


class BudgetReader(io.RawIOBase):
    """Reads an expanding stream, charging every byte to the shared :class:`Budget`.

    ``limit``, when given, also caps this one stream: reading past it raises
    :class:`BudgetExceeded` before more than ``limit + 1`` bytes were asked for.
    """

    def __init__(self, raw: Readable, budget: Budget, limit: int | None = None) -> None:
        super().__init__()
        self._raw = raw
        self._budget = budget
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else CHUNK
        # Never ask for more than the budget allows, plus one byte to notice the overrun.
        want = min(want, max(self._budget.bytes_left, 0) + 1)
        if self._limit is not None:
            want = min(want, max(self._limit - self._read, 0) + 1)
        data = self._raw.read(want)
        if data:
            self._read += len(data)
            if self._limit is not None and self._read > self._limit:
                raise PartTooLarge(f"a part is larger than the limit of {self._limit:,} bytes")
            self._budget.take_bytes(len(data))
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class HeadReader(io.RawIOBase):
    """A stream whose first bytes were already read (to detect the type): replays them."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._pos = 0
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._pos < len(self._head):
            end = len(self._head) if size is None or size < 0 else self._pos + size
            data = bytes(self._head[self._pos : end])
            self._pos += len(data)
            return data
        return self._rest.read(size if size is not None and size >= 0 else CHUNK)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_head(stream: Readable, count: int) -> bytes:
    """Up to ``count`` bytes from ``stream``, reading until it has them or the stream ends."""
    parts: list[bytes] = []
    got = 0
    while got < count:
        data = stream.read(count - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def spool(stream: Readable) -> IO[bytes]:
    """Copy a sequential stream into a seekable temporary file (in memory while small)."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    while True:
        data = stream.read(CHUNK)
        if not data:
            break
        spooled.write(data)
    spooled.seek(0)
    return spooled


def read_all(stream: Readable, limit: int) -> bytes | None:
    """The whole stream if it is at most ``limit`` bytes, else None (having read limit+1)."""
    data = read_head(stream, limit + 1)
    return None if len(data) > limit else data
