"""A project's object storage: its buckets and its storage identity (user, policy, keys).

Buckets go through the S3 API (``minio``); the identity through the store's IAM API
(:class:`~orchestrator.adapters.s3_identities.StorageIdentities`). Each ``ensure_*``
reads first and writes only what differs. Retiring a bucket keeps it, archives its
objects into :data:`ARCHIVE_BUCKET` under ``<bucket>/`` and removes it, or deletes it.

An unreachable store or a 5xx answer becomes :class:`StorageUnavailable`; anything
else the store refuses becomes :class:`StorageRefused`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from orchestrator.adapters.s3_identities import (
    StorageIdentities,
    StorageIdentityError,
    StorageIdentityNotFound,
)

T = TypeVar("T")
ARCHIVE_BUCKET = "tre-archive"
POLICY_NAME = "project"


class StorageUnavailable(RuntimeError):
    """Object storage could not be reached or failed; try again later."""


class StorageRefused(RuntimeError):
    """Object storage refused a call; the message says which and why."""


@dataclass(frozen=True)
class NewKey:
    access_key: str
    secret_key: str = field(repr=False)


@dataclass
class ProjectStore:
    """Buckets and identities in one S3-compatible store, with the controller's identity."""

    url: str
    access_key: str
    secret_key: str = field(repr=False)
    region: str = "us-east-1"
    iam_timeout: float = 60.0
    """Identity changes are slow on some stores (SeaweedFS applies them one at a time)."""
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _iam_client: httpx.Client = field(default_factory=httpx.Client, init=False, repr=False)

    @property
    def s3(self) -> Minio:
        client: Minio | None = getattr(self._local, "s3", None)
        if client is None:
            parts = urlsplit(self.url)
            client = Minio(
                parts.netloc,
                access_key=self.access_key,
                secret_key=self.secret_key,
                secure=parts.scheme == "https",
                region=self.region,
            )
            self._local.s3 = client
        return client

    @property
    def iam(self) -> StorageIdentities:
        return StorageIdentities(
            self.url,
            self.access_key,
            self.secret_key,
            region=self.region,
            timeout=self.iam_timeout,
            client=self._iam_client,
        )

    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except StorageIdentityNotFound:
            raise
        except S3Error as exc:
            raise StorageRefused(f"object storage refused to {what}: {exc}") from exc
        except StorageIdentityError as exc:
            if "could not reach" in str(exc) or " (5" in str(exc):
                raise StorageUnavailable(f"object storage could not {what}: {exc}") from exc
            raise StorageRefused(f"object storage refused to {what}: {exc}") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(
                f"object storage at {self.url} could not {what}: {exc}"
            ) from exc

    def ensure_bucket(self, bucket: str) -> bool:
        if self._call(f"look up bucket {bucket}", lambda: self.s3.bucket_exists(bucket)):
            return False
        self._call(f"create bucket {bucket}", lambda: self.s3.make_bucket(bucket))
        return True

    def ensure_identity(self, user: str, policy: Mapping[str, Any]) -> bool:
        iam = self.iam
        wrote = False
        if not self._call(f"look up identity {user}", lambda: iam.user_exists(user)):
            self._call(f"create identity {user}", lambda: iam.create_user(user))
            wrote = True
        current = (
            None
            if wrote
            else self._call(
                f"read the policy of {user}", lambda: iam.get_user_policy(user, POLICY_NAME)
            )
        )
        if current != dict(policy):
            self._call(
                f"set the policy of {user}",
                lambda: iam.put_user_policy(user, POLICY_NAME, dict(policy)),
            )
            wrote = True
        return wrote

    def access_keys(self, user: str) -> list[str]:
        try:
            return self._call(f"list the keys of {user}", lambda: self.iam.list_access_keys(user))
        except StorageIdentityNotFound:
            return []

    def create_access_key(self, user: str) -> NewKey:
        pair = self._call(f"create a key for {user}", lambda: self.iam.create_access_key(user))
        return NewKey(pair.access_key, pair.secret_key)

    def delete_access_key(self, user: str, access_key: str) -> None:
        try:
            self._call(
                f"delete a key of {user}", lambda: self.iam.delete_access_key(user, access_key)
            )
        except StorageIdentityNotFound:
            return

    def delete_identity(self, user: str) -> bool:
        iam = self.iam
        if not self._call(f"look up identity {user}", lambda: iam.user_exists(user)):
            return False
        self._call(f"delete identity {user}", lambda: iam.delete_user(user))
        return True

    def _archive(self, bucket: str, key: str) -> None:
        self.s3.copy_object(ARCHIVE_BUCKET, f"{bucket}/{key}", CopySource(bucket, key))

    def retire_bucket(self, bucket: str, retention: str) -> bool:
        if retention == "keep":
            return False
        if not self._call(f"look up bucket {bucket}", lambda: self.s3.bucket_exists(bucket)):
            return False
        keys = self._call(
            f"list {bucket}",
            lambda: [o.object_name for o in self.s3.list_objects(bucket, recursive=True)],
        )
        if retention == "archive":
            self.ensure_bucket(ARCHIVE_BUCKET)
            for key in keys:
                self._call(f"archive {bucket}/{key}", partial(self._archive, bucket, key))
        errors = self._call(
            f"empty {bucket}",
            lambda: list(self.s3.remove_objects(bucket, [DeleteObject(k) for k in keys])),
        )
        if errors:
            raise StorageRefused(f"could not empty {bucket}: {errors[0]}")
        self._call(f"remove {bucket}", lambda: self.s3.remove_bucket(bucket))
        return True
