"""Streaming copies between buckets, hashing every byte that passes."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from orchestrator.adapters.storage import StoredObject
from orchestrator.domain.airlock.errors import IntegrityError, InvalidInput
from orchestrator.services.airlock.ports import ObjectStore

TMP_PREFIX = "tmp/"


def quarantine_key(sha256: str) -> str:
    """Quarantine objects are addressed by content: the same bytes always have one key."""
    return f"sha256/{sha256}"


def temporary_key() -> str:
    return f"{TMP_PREFIX}{uuid.uuid4().hex}"


class ChunkReader(io.RawIOBase):
    """A read-only binary stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class LimitedReader(io.RawIOBase):
    """Passes a stream through, refusing it as soon as it grows past ``max_size`` bytes."""

    def __init__(self, stream: BinaryIO, max_size: int) -> None:
        self._stream = stream
        self._left = max_size
        self._max = max_size

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(target))
        if len(data) > self._left:
            raise InvalidInput(f"the file is larger than {self._max} bytes, the airlock's limit")
        self._left -= len(data)
        target[: len(data)] = data
        return len(data)


def ingest(
    store: ObjectStore, bucket: str, stream: BinaryIO, *, length: int = -1, max_size: int
) -> StoredObject:
    """Stream into ``bucket`` under a temporary key, then commit it under its hash.

    Nothing appears under a content key until all its bytes are stored and hashed,
    so a crash leaves at most a temporary object (removed by recovery).
    """
    if length > max_size:
        raise InvalidInput(f"the file is {length} bytes; the airlock accepts at most {max_size}")
    tmp = temporary_key()
    try:
        limited = LimitedReader(stream, max_size)
        stored = store.put_stream(bucket, tmp, limited, length)  # type: ignore[arg-type]
        final = quarantine_key(stored.sha256)
        # Always (re)write the content key: the bytes are the ones just hashed, so this
        # also repairs an object that was altered behind the airlock's back.
        store.copy(bucket, tmp, bucket, final)
        if store.size(bucket, final) != stored.size:
            raise IntegrityError(f"the stored copy of {final} has the wrong size")
        return stored
    finally:
        store.remove(bucket, tmp)


def copy_verified(
    store: ObjectStore,
    source_bucket: str,
    source_key: str,
    dest_bucket: str,
    dest_key: str,
    *,
    expected_sha256: str,
) -> StoredObject:
    """Stream ``source`` to ``dest`` through a temporary key, refusing any hash change.

    ``dest_key`` only ever holds the complete, verified bytes; re-running after a crash
    rewrites the same bytes to the same key, so it never makes a duplicate.
    """
    tmp = temporary_key()
    try:
        with store.open(source_bucket, source_key) as chunks:
            stored = store.put_stream(dest_bucket, tmp, ChunkReader(chunks))  # type: ignore[arg-type]
        if stored.sha256 != expected_sha256:
            raise IntegrityError(
                f"{source_bucket}/{source_key} no longer matches its recorded SHA-256 "
                f"(expected {expected_sha256}, found {stored.sha256})"
            )
        store.copy(dest_bucket, tmp, dest_bucket, dest_key)
        if store.size(dest_bucket, dest_key) != stored.size:
            raise IntegrityError(f"the copy at {dest_bucket}/{dest_key} is incomplete")
        return stored
    finally:
        store.remove(dest_bucket, tmp)


def download_verified(
    store: ObjectStore, bucket: str, key: str, target: Path, *, expected_sha256: str
) -> None:
    """Write an object to a local file, failing if its bytes no longer match the hash."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.open(bucket, key) as chunks, target.open("wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected_sha256:
        raise IntegrityError(
            f"{bucket}/{key} no longer matches its recorded SHA-256 "
            f"(expected {expected_sha256}, found {digest.hexdigest()})"
        )


def verify_object(store: ObjectStore, bucket: str, key: str, *, expected_sha256: str) -> None:
    """Re-read an object and fail unless its SHA-256 is still the recorded one."""
    found = store.measure(bucket, key).sha256
    if found != expected_sha256:
        raise IntegrityError(
            f"{bucket}/{key} no longer matches its recorded SHA-256 "
            f"(expected {expected_sha256}, found {found})"
        )
