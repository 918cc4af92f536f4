"""Hand an HTTP request body to blocking code as a file object, chunk by chunk.

The airlock service is synchronous (it runs in a worker thread); an upload arrives as
an async stream. :class:`BodyReader` is a read-only binary file whose ``read`` pulls
the next chunk from the event loop, so a 1 GB upload flows straight through to object
storage with only one chunk in memory at a time. It also enforces the size limit
while reading, so an oversized upload is stopped at the limit, not after it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import anyio.from_thread


class UploadTooLarge(Exception):
    """The upload exceeded the configured size limit."""


class BodyReader(io.RawIOBase):
    """A blocking, read-only view of an async byte stream (use from a worker thread)."""

    def __init__(self, chunks: AsyncIterator[bytes], limit: int) -> None:
        super().__init__()
        self._chunks = chunks
        self._buffer = b""
        self._offset = 0
        self._done = False
        self._limit = limit
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    async def _next(self) -> bytes | None:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return None

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._buffer) and not self._done:
            chunk = anyio.from_thread.run(self._next)
            if chunk is None:
                self._done = True
            else:
                self._buffer, self._offset = chunk, 0
        remaining = len(self._buffer) - self._offset
        if remaining <= 0:
            return 0
        size = min(len(buffer), remaining)
        buffer[:size] = self._buffer[self._offset : self._offset + size]
        self._offset += size
        self.bytes_read += size
        if self.bytes_read > self._limit:
            raise UploadTooLarge(
                f"the file is larger than the airlock accepts ({self._limit} bytes); split it "
                "or ask an operator about the limit"
            )
        return size
