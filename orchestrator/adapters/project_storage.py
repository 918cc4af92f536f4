"""A project's object storage: its buckets, its members' identities and session keys.

Buckets go through the ``minio`` SDK, so this works against any S3 store (MinIO, Ceph,
AWS, SeaweedFS). Identities (a user per researcher with one inline policy limited to
the project's buckets and no key of its own) and the session keys under them go through
the store's IAM-compatible API
(:class:`~orchestrator.adapters.s3_identities.StorageIdentities`); session keys with an
expiry need SeaweedFS's service accounts.

Every call is idempotent and quiet: ensuring what already exists writes nothing. Errors
become :class:`StorageUnavailable` (the store cannot be reached or failed on its side:
retry later) or :class:`StorageRefused` (the store said no: the message says to what).

Identity changes take effect asynchronously in some stores. SeaweedFS propagates IAM
changes from its filer to the S3 gateway; it has been reported to take several seconds
per change on slow machines (and milliseconds on others), so callers and tests that need
a change to be visible should poll with a bounded wait rather than sleep a fixed time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import urllib3.exceptions
from minio import Minio
from minio.commonconfig import ComposeSource
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error, ServerError

from orchestrator.adapters.s3_identities import (
    SessionKey,
    StorageIdentities,
    StorageIdentityError,
    StorageIdentityNotFound,
    StorageIdentityUnavailable,
)

Retention = Literal["keep", "archive", "delete"]
POLICY_NAME = "project-buckets"
_EXISTS = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


class StorageProblem(Exception):
    """Base of the project storage errors."""


class StorageUnavailable(StorageProblem):
    """The object store or its identity API cannot be reached or failed on its side: retry."""


class StorageRefused(StorageProblem):
    """The object store refused the operation; the message says which and why."""


def _translate(exc: Exception, what: str) -> StorageProblem:
    if isinstance(exc, ServerError) or (
        isinstance(exc, S3Error) and exc.response is not None and exc.response.status >= 500
    ):
        return StorageUnavailable(f"{what}: the object store failed ({exc})")
    if isinstance(exc, S3Error):
        return StorageRefused(f"{what}: the object store refused ({exc.code}: {exc.message})")
    if isinstance(exc, StorageIdentityUnavailable):
        return StorageUnavailable(f"{what}: {exc}")
    if isinstance(exc, StorageIdentityError):
        return StorageRefused(f"{what}: {exc}")
    return StorageUnavailable(f"{what}: the object store is unreachable ({exc})")


_ERRORS: tuple[type[Exception], ...] = (
    MinioException,
    StorageIdentityError,
    urllib3.exceptions.HTTPError,
    OSError,
)


class ProjectStorage:
    """Makes a project's buckets and storage identity match what the controller wants."""

    def __init__(
        self, client: Minio, identities: StorageIdentities, *, policy_name: str = POLICY_NAME
    ) -> None:
        self._client = client
        self._identities = identities
        self.policy_name = policy_name

    # Buckets

    def ensure_buckets(self, names: list[str]) -> list[str]:
        """Create the missing buckets among ``names``; return those it created."""
        created: list[str] = []
        for name in names:
            try:
                if self._client.bucket_exists(name):
                    continue
                self._client.make_bucket(name)
            except S3Error as exc:
                if exc.code in _EXISTS:
                    continue
                raise _translate(exc, f"creating bucket {name}") from exc
            except _ERRORS as exc:
                raise _translate(exc, f"creating bucket {name}") from exc
            created.append(name)
        return created

    def retire_buckets(
        self, names: list[str], retention: Retention, archive_bucket: str
    ) -> list[str]:
        """Retire a project's buckets as ``retention`` says; return the buckets removed.

        ``keep`` leaves them as they are. ``archive`` copies every object to
        ``archive_bucket`` under ``<bucket>/`` and then deletes the source bucket.
        ``delete`` empties (every version) and deletes. Missing buckets are skipped, so a
        retirement interrupted half-way can simply be run again.
        """
        if retention == "keep":
            return []
        if retention == "archive":
            self.ensure_buckets([archive_bucket])
        removed: list[str] = []
        for name in names:
            try:
                if not self._client.bucket_exists(name):
                    continue
            except _ERRORS as exc:
                raise _translate(exc, f"looking up bucket {name}") from exc
            if retention == "archive":
                self._copy_all(name, archive_bucket)
            self._empty(name)
            try:
                self._client.remove_bucket(name)
            except _ERRORS as exc:
                raise _translate(exc, f"deleting bucket {name}") from exc
            removed.append(name)
        return removed

    def _copy_all(self, bucket: str, archive_bucket: str) -> None:
        try:
            for obj in self._client.list_objects(bucket, recursive=True):
                key = str(obj.object_name)
                # compose_object also copies sources above the 5 GiB single-copy limit.
                self._client.compose_object(
                    archive_bucket, f"{bucket}/{key}", [ComposeSource(bucket, key)]
                )
        except _ERRORS as exc:
            raise _translate(exc, f"archiving {bucket} into {archive_bucket}") from exc

    def _empty(self, bucket: str) -> None:
        try:
            victims: Iterable[DeleteObject] = [
                DeleteObject(str(o.object_name), o.version_id)
                for o in self._client.list_objects(bucket, recursive=True, include_version=True)
            ]
            failures = list(self._client.remove_objects(bucket, victims))
        except _ERRORS as exc:
            raise _translate(exc, f"emptying bucket {bucket}") from exc
        if failures:
            first = failures[0]
            raise StorageRefused(
                f"emptying bucket {bucket}: {len(failures)} objects could not be deleted, "
                f"first {first.name} ({first.code}: {first.message})"
            )

    # Identity

    def ensure_member_identity(self, user: str, policy_document: dict[str, Any]) -> bool:
        """Make ``user`` exist with exactly ``policy_document`` and no keys of its own; True
        when it wrote. Its session keys (:meth:`issue_session_key`) carry the policy."""
        what = f"ensuring storage identity {user}"
        wrote = False
        try:
            if not self._identities.user_exists(user):
                self._identities.create_user(user)
                wrote = True
            if self._identities.get_user_policy(user, self.policy_name) != policy_document:
                self._identities.put_user_policy(user, self.policy_name, policy_document)
                wrote = True
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        return wrote

    def issue_session_key(self, user: str, session: str, expires_at: datetime) -> SessionKey:
        """A new key under ``user`` for ``session``, which the store refuses after ``expires_at``."""
        try:
            return self._identities.create_session_key(user, session, expires_at)
        except _ERRORS as exc:
            raise _translate(exc, f"issuing a session key for {user}") from exc

    def list_sessions(self, user: str) -> list[str]:
        """The sessions ``user`` holds keys for, expired ones included (a missing user: none)."""
        try:
            return sorted({k.description for k in self._identities.list_session_keys(user)})
        except StorageIdentityNotFound:
            return []
        except _ERRORS as exc:
            raise _translate(exc, f"listing the sessions of {user}") from exc

    def end_session(self, user: str, session: str) -> int:
        """Delete the keys of ``session`` under ``user``; how many (a missing user: 0)."""
        try:
            keys = [k for k in self._identities.list_session_keys(user) if k.description == session]
            for key in keys:
                self._identities.delete_session_key(key.id)
        except StorageIdentityNotFound:
            return 0
        except _ERRORS as exc:
            raise _translate(exc, f"ending session {session} of {user}") from exc
        return len(keys)

    def list_identities(self) -> list[str]:
        """Every user of the store."""
        try:
            return self._identities.list_users()
        except _ERRORS as exc:
            raise _translate(exc, "listing storage identities") from exc

    def revoke_identity(self, user: str) -> None:
        """Delete every access key of ``user`` and the user; a missing user is not an error."""
        try:
            self._identities.delete_user(user)
        except _ERRORS as exc:
            raise _translate(exc, f"revoking storage identity {user}") from exc
