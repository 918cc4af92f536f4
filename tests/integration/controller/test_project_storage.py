"""A project's buckets and storage identity on a real S3 store (SeaweedFS)."""

from __future__ import annotations

import io
from uuid import uuid4

import pytest
from minio import Minio
from minio.error import S3Error

from orchestrator.adapters.project_storage import (
    ProjectStorage,
    StorageRefused,
    StorageUnavailable,
)
from orchestrator.adapters.s3_identities import AccessKeyPair, StorageIdentities
from orchestrator.domain.storage_policies import BucketGrant, make_bucket_policy
from orchestrator.embedded.seaweedfs import SeaweedFS
from tests.integration.controller.polling import eventually


def _project() -> str:
    return f"p{uuid4().hex[:8]}"


def _policy(project: str) -> dict[str, object]:
    return make_bucket_policy(
        (BucketGrant(f"tre-{project}-inputs"), BucketGrant(f"tre-{project}-outbox", writable=True))
    )


def _put(client: Minio, bucket: str, key: str, data: bytes = b"x") -> None:
    client.put_object(bucket, key, io.BytesIO(data), length=len(data))


def _read(client: Minio, bucket: str, key: str) -> bytes:
    response = client.get_object(bucket, key)
    try:
        return bytes(response.read())
    finally:
        response.close()
        response.release_conn()


def _refused(action: object) -> str:
    with pytest.raises(S3Error) as refused:
        action()  # type: ignore[operator]
    return str(refused.value.code)


@pytest.fixture
def storage(s3: SeaweedFS) -> ProjectStorage:
    return ProjectStorage(s3.client(), s3.identities())


def _provision(storage: ProjectStorage, s3: SeaweedFS, project: str) -> AccessKeyPair:
    storage.ensure_buckets([f"tre-{project}-inputs", f"tre-{project}-outbox"])
    _put(s3.client(), f"tre-{project}-inputs", "data.csv", b"a,b\n")
    key = storage.ensure_identity(f"tre-project-{project}", _policy(project))
    assert key is not None
    return key


def test_ensure_buckets_creates_only_the_missing_ones(storage: ProjectStorage) -> None:
    project = _project()
    inputs, outbox = f"tre-{project}-inputs", f"tre-{project}-outbox"
    assert storage.ensure_buckets([inputs]) == [inputs]
    assert storage.ensure_buckets([inputs, outbox]) == [outbox]
    assert storage.ensure_buckets([inputs, outbox]) == []


def test_project_identity_reads_inputs_writes_outbox_and_nothing_else(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    mine, theirs = _project(), _project()
    key = _provision(storage, s3, mine)
    _provision(storage, s3, theirs)
    project = s3.client_for(key.access_key, key.secret_key)

    assert eventually(lambda: _read(project, f"tre-{mine}-inputs", "data.csv")) == b"a,b\n"
    _put(project, f"tre-{mine}-outbox", "result.csv")
    assert s3.client().stat_object(f"tre-{mine}-outbox", "result.csv").size == 1
    assert _refused(lambda: _put(project, f"tre-{mine}-inputs", "planted.csv")) == "AccessDenied"
    assert _refused(lambda: _read(project, f"tre-{theirs}-inputs", "data.csv")) == "AccessDenied"
    assert _refused(lambda: list(project.list_objects(f"tre-{theirs}-outbox"))) == "AccessDenied"
    assert _refused(lambda: _put(project, f"tre-{theirs}-outbox", "x")) == "AccessDenied"


def test_second_ensure_identity_returns_no_key_and_keeps_the_first_working(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    user = f"tre-project-{project}"

    assert storage.ensure_identity(user, _policy(project)) is None

    assert s3.identities().list_access_keys(user) == [key.access_key]
    client = s3.client_for(key.access_key, key.secret_key)
    assert eventually(lambda: _read(client, f"tre-{project}-inputs", "data.csv")) == b"a,b\n"


def test_changed_policy_is_put_again_and_takes_effect(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    user = f"tre-project-{project}"
    outbox_only = make_bucket_policy((BucketGrant(f"tre-{project}-outbox", writable=True),))

    assert storage.ensure_identity(user, outbox_only) is None

    assert s3.identities().get_user_policy(user, storage.policy_name) == outbox_only
    client = s3.client_for(key.access_key, key.secret_key)

    def inputs_denied() -> None:
        assert _refused(lambda: _read(client, f"tre-{project}-inputs", "data.csv")) == (
            "AccessDenied"
        )

    eventually(inputs_denied)


def test_identity_left_without_a_key_gets_a_new_one(storage: ProjectStorage, s3: SeaweedFS) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    user = f"tre-project-{project}"
    s3.identities().delete_access_key(user, key.access_key)

    fresh = storage.ensure_identity(user, _policy(project))

    assert fresh is not None
    assert fresh.access_key != key.access_key
    assert s3.identities().list_access_keys(user) == [fresh.access_key]


def test_replaced_keys_leave_only_the_new_one_working(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    old = _provision(storage, s3, project)

    new = storage.replace_access_keys(f"tre-project-{project}")

    assert s3.identities().list_access_keys(f"tre-project-{project}") == [new.access_key]
    new_client = s3.client_for(new.access_key, new.secret_key)
    assert eventually(lambda: _read(new_client, f"tre-{project}-inputs", "data.csv")) == b"a,b\n"
    old_client = s3.client_for(old.access_key, old.secret_key)
    eventually(lambda: _refused(lambda: _read(old_client, f"tre-{project}-inputs", "data.csv")))


def test_revoked_identity_keys_stop_working(storage: ProjectStorage, s3: SeaweedFS) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    client = s3.client_for(key.access_key, key.secret_key)
    eventually(lambda: _read(client, f"tre-{project}-inputs", "data.csv"))

    storage.revoke_identity(f"tre-project-{project}")

    def refused() -> None:
        code = _refused(lambda: _read(client, f"tre-{project}-inputs", "data.csv"))
        assert code == "InvalidAccessKeyId"

    eventually(refused)
    assert f"tre-project-{project}" not in s3.identities().list_users()
    storage.revoke_identity(f"tre-project-{project}")  # again: not an error


def test_retention_keep_leaves_the_buckets(storage: ProjectStorage, s3: SeaweedFS) -> None:
    project = _project()
    _provision(storage, s3, project)
    buckets = [f"tre-{project}-inputs", f"tre-{project}-outbox"]

    assert storage.retire_buckets(buckets, "keep", "tre-archive") == []

    assert all(s3.client().bucket_exists(b) for b in buckets)


def test_retention_archive_copies_every_object_then_deletes_the_buckets(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project, archive = _project(), f"tre-archive-{uuid4().hex[:6]}"
    _provision(storage, s3, project)
    admin = s3.client()
    _put(admin, f"tre-{project}-outbox", "nested/dir/out.txt", b"result")
    buckets = [f"tre-{project}-inputs", f"tre-{project}-outbox"]

    assert storage.retire_buckets(buckets, "archive", archive) == buckets

    assert not any(admin.bucket_exists(b) for b in buckets)
    archived = sorted(str(o.object_name) for o in admin.list_objects(archive, recursive=True))
    assert archived == [
        f"tre-{project}-inputs/data.csv",
        f"tre-{project}-outbox/nested/dir/out.txt",
    ]
    assert _read(admin, archive, f"tre-{project}-outbox/nested/dir/out.txt") == b"result"
    # Run again after it finished: nothing left to do, nothing fails.
    assert storage.retire_buckets(buckets, "archive", archive) == []


def test_retention_delete_empties_and_deletes_even_versioned_buckets(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    from minio.versioningconfig import ENABLED, VersioningConfig

    project = _project()
    _provision(storage, s3, project)
    admin = s3.client()
    outbox = f"tre-{project}-outbox"
    admin.set_bucket_versioning(outbox, VersioningConfig(ENABLED))
    _put(admin, outbox, "v.txt", b"1")
    _put(admin, outbox, "v.txt", b"2")
    admin.remove_object(outbox, "v.txt")  # leaves a delete marker and two versions
    buckets = [f"tre-{project}-inputs", outbox]

    assert storage.retire_buckets(buckets, "delete", "unused") == buckets

    assert not any(admin.bucket_exists(b) for b in buckets)
    assert not admin.bucket_exists("unused")


def test_unreachable_store_is_reported_as_unavailable() -> None:
    closed = "127.0.0.1:9"
    storage = ProjectStorage(
        Minio(closed, access_key="a", secret_key="b", secure=False, region="us-east-1"),
        StorageIdentities(f"http://{closed}", "a", "b", timeout=2.0),
    )
    with pytest.raises(StorageUnavailable, match="unreachable"):
        storage.ensure_buckets(["tre-nowhere-inputs"])
    with pytest.raises(StorageUnavailable):
        storage.ensure_identity("tre-project-nowhere", _policy("nowhere"))


def test_identity_without_rights_is_refused_with_the_reason(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    as_project = ProjectStorage(
        s3.client_for(key.access_key, key.secret_key),
        StorageIdentities(s3.url, key.access_key, key.secret_key),
    )

    with pytest.raises(StorageRefused, match=f"creating bucket tre-{project}-extra.*AccessDenied"):
        as_project.ensure_buckets([f"tre-{project}-extra"])
    with pytest.raises(StorageRefused, match="ensuring storage identity"):
        as_project.ensure_identity("tre-project-intruder", _policy(project))
