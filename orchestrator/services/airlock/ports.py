"""What the airlock service needs from the outside world, as small protocols.

Adapters in ``orchestrator.adapters`` implement these against real systems (S3 via
``minio``, Vault/OpenBao transit, a local Ed25519 key, the export-check engine).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from orchestrator.adapters.storage.objects import StoredObject
from orchestrator.domain.airlock.model import CheckReport


class Checker(Protocol):
    """Runs the export checks on files that are already frozen in quarantine.

    ``files`` maps each request file name to a local path holding its bytes. The
    report must say, for every file, a verdict and its findings, plus the rule set
    id and version used. A file missing from the report counts as blocked: nothing
    that was not checked is ever released.
    """

    def check(self, files: Mapping[str, Path]) -> CheckReport: ...


class ObjectStore(Protocol):
    """An S3-like object store. Every method raises ``StorageError`` on failure."""

    def ensure_bucket(self, bucket: str) -> None: ...

    def put_stream(
        self, bucket: str, key: str, stream: BinaryIO, length: int = -1
    ) -> StoredObject: ...

    def open(self, bucket: str, key: str) -> AbstractContextManager[Iterator[bytes]]: ...

    def measure(self, bucket: str, key: str) -> StoredObject: ...

    def size(self, bucket: str, key: str) -> int | None: ...

    def copy(self, bucket: str, key: str, dest_bucket: str, dest_key: str) -> None: ...

    def remove(self, bucket: str, key: str) -> None: ...

    def list_keys(self, bucket: str, prefix: str) -> list[str]: ...


@dataclass(frozen=True)
class OutboxRef:
    """A file in a project's outbox bucket, to be copied into quarantine at submission."""

    bucket: str
    key: str

    def as_source(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class AirlockConfig:
    """Settings of the airlock service."""

    quarantine_bucket: str = "airlock-quarantine"
    """Content-addressed store of every submitted file (key ``sha256/<hex>``)."""
    release_bucket: str = "airlock-release"
    """Released files and their signed manifests (``<project>/<request>/v<n>/...``)."""
    outbox_bucket_pattern: str = "tre-{project}-outbox"
    """The one bucket files may be taken from for a project (``{project}`` is replaced);
    it matches the bucket the project controller creates for the project's outbox."""
    default_required_approvals: int = 2
    """Independent approvals a request needs unless its project sets another number."""
    max_downloads_per_file: int = 5
    """How many complete downloads of one released file each person may make."""
    max_file_size: int = 5 * 1024**3
    """The largest single file the airlock accepts, in bytes."""
    max_files_per_request: int = 100
    """The most files one version of a request may hold."""
    max_request_bytes: int = 20 * 1024**3
    """The most bytes all files of one version of a request may hold together."""
    checkpoint_interval: timedelta = timedelta(hours=1)
    """How often :meth:`AirlockService.checkpoint_if_due` writes a signed checkpoint."""
    checkpoint_max_age: timedelta = timedelta(hours=2)
    """Verification fails when the newest checkpoint (or, before the first one, the first
    record) is older than this: records cut off after it would otherwise go unnoticed."""
    audit_bucket: str = "airlock-audit"
    """Bucket holding a copy of every signed checkpoint, outside the database."""
    audit_prefix: str = "checkpoints/"
    """Key prefix of this chain's checkpoint copies in ``audit_bucket``."""
    work_dir: Path | None = None
    """Where quarantined files are staged for checking (a private temporary folder if None)."""
