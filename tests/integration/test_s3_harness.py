"""The SeaweedFS S3 gateway from the harness: objects, presigned URLs and per-identity access."""

from __future__ import annotations

import io
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from minio.error import S3Error

from orchestrator.adapters.s3_identities import StorageIdentities, StorageIdentityError
from orchestrator.domain.storage_policies import BucketGrant, make_bucket_policy
from orchestrator.embedded.seaweedfs import SeaweedFS


def _bucket(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def test_object_put_is_read_back_and_listed(s3: SeaweedFS) -> None:
    client = s3.client()
    bucket = _bucket("smoke")
    client.make_bucket(bucket)
    client.put_object(bucket, "dir/hello.txt", io.BytesIO(b"hello"), length=5)
    response = client.get_object(bucket, "dir/hello.txt")
    try:
        assert response.read() == b"hello"
    finally:
        response.close()
        response.release_conn()
    assert [o.object_name for o in client.list_objects(bucket, recursive=True)] == ["dir/hello.txt"]


def test_presigned_get_downloads_without_credentials(s3: SeaweedFS) -> None:
    client = s3.client()
    bucket = _bucket("presign")
    client.make_bucket(bucket)
    client.put_object(bucket, "report.csv", io.BytesIO(b"a,b\n1,2\n"), length=8)
    url = client.presigned_get_object(bucket, "report.csv", expires=timedelta(minutes=5))
    assert url.startswith(s3.url)
    assert httpx.get(url).content == b"a,b\n1,2\n"
    assert httpx.get(url.split("?")[0]).status_code == 403


def test_identity_limited_to_one_bucket_is_denied_on_another(s3: SeaweedFS) -> None:
    admin = s3.client()
    own, other = _bucket("own"), _bucket("other")
    admin.make_bucket(own)
    admin.make_bucket(other)
    admin.put_object(other, "secret.txt", io.BytesIO(b"no"), length=2)
    identities = s3.identities()
    user = f"project-{uuid4().hex[:6]}"
    identities.create_user(user)
    identities.put_user_policy(
        user, "buckets", make_bucket_policy((BucketGrant(own, writable=True),))
    )
    key = identities.create_access_key(user)
    project = s3.client_for(key.access_key, key.secret_key)

    project.put_object(own, "mine.txt", io.BytesIO(b"ok"), length=2)
    assert project.stat_object(own, "mine.txt").size == 2
    with pytest.raises(S3Error) as denied_read:
        project.get_object(other, "secret.txt")
    assert denied_read.value.code == "AccessDenied"
    with pytest.raises(S3Error) as denied_write:
        project.put_object(other, "planted.txt", io.BytesIO(b"x"), length=1)
    assert denied_write.value.code == "AccessDenied"


def test_deleted_identity_can_no_longer_sign_requests(s3: SeaweedFS) -> None:
    bucket = _bucket("revoke")
    s3.client().make_bucket(bucket)
    identities = s3.identities()
    user = f"gone-{uuid4().hex[:6]}"
    identities.create_user(user)
    identities.put_user_policy(user, "buckets", make_bucket_policy((BucketGrant(bucket),)))
    key = identities.create_access_key(user)
    assert key.access_key in identities.list_access_keys(user)
    s3.client_for(key.access_key, key.secret_key).list_objects(bucket)

    identities.delete_user(user)

    assert user not in identities.list_users()
    with pytest.raises(S3Error) as refused:
        list(s3.client_for(key.access_key, key.secret_key).list_objects(bucket))
    assert refused.value.code == "InvalidAccessKeyId"
    assert identities.list_access_keys(user) == []
    identities.delete_user(user)  # deleting again is not an error


def test_identity_api_refuses_a_wrong_admin_secret(s3: SeaweedFS) -> None:
    wrong = StorageIdentities(s3.url, s3.access_key, "not-the-secret")
    with pytest.raises(StorageIdentityError, match="SignatureDoesNotMatch"):
        wrong.list_users()
