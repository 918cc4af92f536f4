"""The S3 adapter streams and hashes large objects in bounded memory and speaks our errors."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from typing import Any

import pytest

from orchestrator.adapters.storage import ObjectMissing, S3ObjectStore, S3Settings, StorageError
from orchestrator.adapters.storage.s3 import PART_SIZE
from orchestrator.domain.airlock.errors import IntegrityError
from orchestrator.services.airlock.streams import ChunkReader, copy_verified

BUCKET = "airlock-adapter-tests"
SIZE = 12 * PART_SIZE


class PatternStream(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand (never all in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        start = self.position % 16
        buffer[:n] = (b"0123456789abcdef" * (n // 16 + 2))[start : start + n]
        self.left -= n
        self.position += n
        return n


def pattern_sha256(size: int) -> str:
    digest = hashlib.sha256()
    stream = PatternStream(size)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture
def store(s3: Any) -> S3ObjectStore:
    store = S3ObjectStore(S3Settings(s3.endpoint, s3.access_key, s3.secret_key, secure=False))
    store.ensure_bucket(BUCKET)
    return store


def test_large_object_is_streamed_hashed_and_copied_in_bounded_memory(
    store: S3ObjectStore,
) -> None:
    expected = pattern_sha256(SIZE)
    tracemalloc.start()
    try:
        stored = store.put_stream(BUCKET, "big/source", PatternStream(SIZE))  # type: ignore[arg-type]
        copied = copy_verified(
            store, BUCKET, "big/source", BUCKET, "big/copy", expected_sha256=expected
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (stored.sha256, stored.size) == (expected, SIZE)
    assert (copied.sha256, copied.size) == (expected, SIZE)
    assert store.measure(BUCKET, "big/copy").sha256 == expected
    # a handful of part buffers at a time (measured: 7), whatever the object size
    assert peak < 8 * PART_SIZE, f"peak {peak / 2**20:.0f} MiB streaming {SIZE / 2**20:.0f} MiB"


def test_copy_refuses_bytes_that_changed(store: S3ObjectStore) -> None:
    store.put_stream(BUCKET, "small/source", io.BytesIO(b"abc"))
    with pytest.raises(IntegrityError, match="no longer matches"):
        copy_verified(store, BUCKET, "small/source", BUCKET, "small/copy", expected_sha256="0" * 64)
    assert store.size(BUCKET, "small/copy") is None
    assert store.list_keys(BUCKET, "tmp/") == []


def test_chunk_reader_reassembles_chunks() -> None:
    reader = ChunkReader(iter([b"ab", b"", b"cde", b"f"]))
    assert reader.read(4) + reader.read() == b"abcdef"


def test_store_errors_are_ours(s3: Any) -> None:
    store = S3ObjectStore(S3Settings(s3.endpoint, s3.access_key, s3.secret_key, secure=False))
    store.ensure_bucket("airlock-errors")
    with pytest.raises(ObjectMissing, match="not found"):
        store.measure("airlock-errors", "no/such/key")
    assert store.size("airlock-errors", "no/such/key") is None
    wrong = S3ObjectStore(S3Settings(s3.endpoint, s3.access_key, "wrong-secret", secure=False))
    with pytest.raises(StorageError, match="refused"):
        wrong.list_keys("airlock-errors", "")
