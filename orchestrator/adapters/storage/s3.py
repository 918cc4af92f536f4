"""An S3 object store through the ``minio`` SDK, streaming and hashing as it goes.

Uploads are streamed in parts (memory stays bounded by the part size whatever the
file size) and hashed with SHA-256 on the way through. Every ``minio`` or network
error is re-raised as :class:`StorageError` (or :class:`ObjectMissing`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import urllib3.exceptions
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import MinioException, S3Error

from orchestrator.adapters.storage.errors import ObjectMissing, StorageError
from orchestrator.adapters.storage.objects import StoredObject

PART_SIZE = 8 * 1024 * 1024  # memory per upload stays a small multiple of this
READ_CHUNK = 1024 * 1024
_MISSING_CODES = {"NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"}


@dataclass(frozen=True)
class S3Settings:
    """Where the S3 endpoint is and how to authenticate."""

    endpoint: str
    """``host:port`` of the S3 API, without scheme."""
    access_key: str
    secret_key: str
    secure: bool = True
    """Use HTTPS. Only a local test endpoint may set this to False."""
    region: str | None = None
    """Region name, if the endpoint needs one (SeaweedFS and MinIO do not)."""


class _HashingReader:
    """Wraps a binary stream, hashing and counting every byte read through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._hash.update(data)
        self.size += len(data)
        return data

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def _translate(exc: Exception, what: str) -> StorageError:
    if isinstance(exc, S3Error) and exc.code in _MISSING_CODES:
        return ObjectMissing(f"{what}: not found ({exc.code})")
    if isinstance(exc, S3Error):
        return StorageError(f"{what}: the object store refused ({exc.code}: {exc.message})")
    return StorageError(f"{what}: the object store is unreachable ({exc})")


_ERRORS: tuple[type[Exception], ...] = (
    MinioException,
    urllib3.exceptions.HTTPError,
    OSError,
    ValueError,
)


class S3ObjectStore:
    """:class:`~orchestrator.services.airlock.ports.ObjectStore` over S3."""

    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self._client = Minio(
            settings.endpoint,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
            secure=settings.secure,
            region=settings.region,
        )

    def ensure_bucket(self, bucket: str) -> None:
        try:
            if not self._client.bucket_exists(bucket):
                self._client.make_bucket(bucket)
        except S3Error as exc:
            if exc.code in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                return
            raise _translate(exc, f"creating bucket {bucket}") from exc
        except _ERRORS as exc:
            raise _translate(exc, f"creating bucket {bucket}") from exc

    def put_stream(self, bucket: str, key: str, stream: BinaryIO, length: int = -1) -> StoredObject:
        reader = _HashingReader(stream)
        try:
            self._client.put_object(
                bucket, key, cast(BinaryIO, reader), length=length, part_size=PART_SIZE
            )
        except _ERRORS as exc:
            raise _translate(exc, f"writing {bucket}/{key}") from exc
        return StoredObject(sha256=reader.sha256, size=reader.size)

    @contextmanager
    def open(self, bucket: str, key: str) -> Iterator[Iterator[bytes]]:
        try:
            response = self._client.get_object(bucket, key)
        except _ERRORS as exc:
            raise _translate(exc, f"reading {bucket}/{key}") from exc
        try:
            yield self._chunks(response, bucket, key)
        finally:
            response.close()
            response.release_conn()

    def _chunks(self, response: Any, bucket: str, key: str) -> Iterator[bytes]:
        try:
            yield from response.stream(READ_CHUNK)
        except _ERRORS as exc:
            raise _translate(exc, f"reading {bucket}/{key}") from exc

    def measure(self, bucket: str, key: str) -> StoredObject:
        digest = hashlib.sha256()
        size = 0
        with self.open(bucket, key) as chunks:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
        return StoredObject(sha256=digest.hexdigest(), size=size)

    def size(self, bucket: str, key: str) -> int | None:
        try:
            stat = self._client.stat_object(bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                return None
            raise _translate(exc, f"inspecting {bucket}/{key}") from exc
        except _ERRORS as exc:
            raise _translate(exc, f"inspecting {bucket}/{key}") from exc
        return int(stat.size) if stat.size is not None else None

    def copy(self, bucket: str, key: str, dest_bucket: str, dest_key: str) -> None:
        try:
            self._client.copy_object(dest_bucket, dest_key, CopySource(bucket, key))
        except _ERRORS as exc:
            raise _translate(exc, f"copying {bucket}/{key} to {dest_bucket}/{dest_key}") from exc

    def remove(self, bucket: str, key: str) -> None:
        try:
            self._client.remove_object(bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                return
            raise _translate(exc, f"removing {bucket}/{key}") from exc
        except _ERRORS as exc:
            raise _translate(exc, f"removing {bucket}/{key}") from exc

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        try:
            return [
                str(o.object_name)
                for o in self._client.list_objects(bucket, prefix=prefix, recursive=True)
            ]
        except _ERRORS as exc:
            raise _translate(exc, f"listing {bucket}/{prefix}") from exc
