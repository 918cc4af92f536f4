"""A project's buckets, member identities and session keys on a real S3 store (SeaweedFS)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from minio import Minio
from minio.error import S3Error

from orchestrator.adapters.project_storage import (
    ProjectStorage,
    StorageRefused,
    StorageUnavailable,
)
from orchestrator.adapters.s3_identities import SessionKey, StorageIdentities
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


def _provision(storage: ProjectStorage, s3: SeaweedFS, project: str) -> SessionKey:
    storage.ensure_buckets([f"tre-{project}-inputs", f"tre-{project}-outbox"])
    _put(s3.client(), f"tre-{project}-inputs", "data.csv", b"a,b\n")
    user = f"tre-member-{project}-0123456789abcdef"
    assert storage.ensure_member_identity(user, _policy(project)) is True
    return storage.issue_session_key(user, "session-1", datetime.now(UTC) + timedelta(hours=1))


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


def test_second_ensure_member_identity_writes_nothing_and_keeps_the_key_working(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    user = f"tre-member-{project}-0123456789abcdef"

    assert storage.ensure_member_identity(user, _policy(project)) is False

    assert s3.identities().list_access_keys(user) == []
    client = s3.client_for(key.access_key, key.secret_key)
    assert eventually(lambda: _read(client, f"tre-{project}-inputs", "data.csv")) == b"a,b\n"


def test_changed_policy_is_put_again_and_takes_effect(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    user = f"tre-member-{project}-0123456789abcdef"
    outbox_only = make_bucket_policy((BucketGrant(f"tre-{project}-outbox", writable=True),))

    assert storage.ensure_member_identity(user, outbox_only) is True

    assert s3.identities().get_user_policy(user, storage.policy_name) == outbox_only
    client = s3.client_for(key.access_key, key.secret_key)

    def inputs_denied() -> None:
        assert _refused(lambda: _read(client, f"tre-{project}-inputs", "data.csv")) == (
            "AccessDenied"
        )

    eventually(inputs_denied)


def test_ended_session_key_stops_working_and_the_others_do_not(
    storage: ProjectStorage, s3: SeaweedFS
) -> None:
    project = _project()
    first = _provision(storage, s3, project)
    user = f"tre-member-{project}-0123456789abcdef"
    second = storage.issue_session_key(user, "session-2", datetime.now(UTC) + timedelta(hours=1))
    first_client = s3.client_for(first.access_key, first.secret_key)
    second_client = s3.client_for(second.access_key, second.secret_key)

    assert storage.list_sessions(user) == ["session-1", "session-2"]
    assert storage.end_session(user, "session-1") == 1
    assert storage.list_sessions(user) == ["session-2"]

    assert _refused(lambda: _read(first_client, f"tre-{project}-inputs", "data.csv")) == (
        "InvalidAccessKeyId"
    )
    assert _read(second_client, f"tre-{project}-inputs", "data.csv") == b"a,b\n"
    assert storage.end_session(user, "session-1") == 0
    assert storage.end_session("tre-member-nobody-0123456789abcdef", "session-1") == 0
    assert storage.list_sessions("tre-member-nobody-0123456789abcdef") == []


def test_revoked_identity_keys_stop_working(storage: ProjectStorage, s3: SeaweedFS) -> None:
    project = _project()
    key = _provision(storage, s3, project)
    client = s3.client_for(key.access_key, key.secret_key)
    eventually(lambda: _read(client, f"tre-{project}-inputs", "data.csv"))

    user = f"tre-member-{project}-0123456789abcdef"
    storage.revoke_identity(user)

    def refused() -> None:
        code = _refused(lambda: _read(client, f"tre-{project}-inputs", "data.csv"))
        assert code == "InvalidAccessKeyId"

    eventually(refused)
    assert user not in storage.list_identities()
    storage.revoke_identity(user)  # again: not an error


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
        storage.ensure_member_identity("tre-member-nowhere-0123456789abcdef", _policy("nowhere"))


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
        as_project.ensure_member_identity("tre-member-intruder-0123456789abcdef", _policy(project))
