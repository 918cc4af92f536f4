"""Object storage over any S3 endpoint (SeaweedFS, MinIO, AWS) through the ``minio`` SDK."""

from orchestrator.adapters.storage.errors import ObjectMissing, StorageError
from orchestrator.adapters.storage.objects import StoredObject
from orchestrator.adapters.storage.s3 import S3ObjectStore, S3Settings

__all__ = ["ObjectMissing", "S3ObjectStore", "S3Settings", "StorageError", "StoredObject"]
