"""Deleting a project removes its enclave, Vault access and identity; buckets follow retention."""

from __future__ import annotations

import io
from typing import Any

import hvac.exceptions
import pytest

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name


def _bucket_keys(s3: Any, bucket: str) -> list[str] | None:
    client = s3.client()
    if not client.bucket_exists(bucket):
        return None
    return [o.object_name for o in client.list_objects(bucket, recursive=True)]


def test_deleting_projects_removes_everything_but_the_buckets_their_retention_keeps(
    controller_cluster: ControllerCluster,
    start_operator: Any,
    projects: Projects,
    openbao: Any,
    s3: Any,
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=5)
    names = {retention: project_name(retention) for retention in ("keep", "archive", "delete")}
    for retention, name in names.items():
        projects.create(name, make_spec(retention=retention))
    for name in names.values():
        projects.wait_for_phase(name, "Ready", timeout=150)
        s3.client().put_object(naming.outbox_bucket(name), "out.txt", io.BytesIO(b"x"), 1)

    for name in names.values():
        projects.delete(name)
    for name in names.values():
        projects.wait_gone(name, timeout=90)

    vault = openbao.client()
    users = s3.identities().list_users()
    for retention, name in names.items():
        with kube.http() as client:
            namespace = client.get(f"/api/v1/namespaces/{naming.namespace_name(name)}").json()
        assert namespace.get("code") == 404 or namespace["metadata"].get("deletionTimestamp")
        with pytest.raises(hvac.exceptions.InvalidPath):
            vault.sys.read_policy(naming.vault_policy_name(name))
        with pytest.raises(hvac.exceptions.InvalidPath):
            vault.auth.kubernetes.read_role(naming.vault_role_name(name))
        with pytest.raises(hvac.exceptions.InvalidPath):
            vault.secrets.kv.v2.read_secret_version(
                path=naming.vault_storage_secret_path(name),
                mount_point="tre",
                raise_on_deleted_version=True,
            )
        assert naming.storage_identity_name(name) not in users
        outbox = _bucket_keys(s3, naming.outbox_bucket(name))
        if retention == "keep":
            assert outbox == ["out.txt"], "kept buckets keep their data"
        elif retention == "delete":
            assert outbox is None, "deleted buckets are gone"
        else:
            assert outbox is None or outbox == [], "archived buckets are emptied"
            archived = [
                key
                for bucket in s3.client().list_buckets()
                for key in _bucket_keys(s3, bucket.name) or []
                if name in key or name in bucket.name
            ]
            assert any(key.endswith("out.txt") for key in archived), "archived data survives"
