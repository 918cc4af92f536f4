"""The issue's acceptance: a project's workspace logs in to Vault with its own
ServiceAccount token and gets S3 credentials for its buckets and no one else's.

The operator path is run with the three adapters against the real services: the
namespace and ServiceAccount applied to the API server, buckets and a storage identity
on SeaweedFS, the key pair stored in OpenBao behind a Kubernetes login role.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import hvac
import hvac.exceptions
import pytest
from minio import Minio
from minio.error import S3Error

from orchestrator.adapters.kubernetes_objects import KubernetesObjects
from orchestrator.adapters.project_storage import ProjectStorage
from orchestrator.adapters.vault_projects import VaultProjects
from orchestrator.domain.storage_policies import BucketGrant, make_bucket_policy
from orchestrator.embedded.openbao import OpenBaoDev
from orchestrator.embedded.seaweedfs import SeaweedFS
from tests.harness.kubernetes import Kube
from tests.integration.controller.conftest import KubernetesAuth, project_name
from tests.integration.controller.polling import eventually

AUDIENCE = "vault"


@pytest.fixture
def objects(kube: Kube) -> Iterator[KubernetesObjects]:
    objects = KubernetesObjects(kube.api_client())
    yield objects
    for namespace in objects.list_names("Namespace", None, "tre.example/test=credentials"):
        objects.delete("Namespace", namespace)


def provision(
    project: str,
    objects: KubernetesObjects,
    storage: ProjectStorage,
    vault: VaultProjects,
    s3: SeaweedFS,
) -> None:
    """What the controller does for a new project, with the names naming.py gives."""
    namespace = f"tre-{project}"
    labels = {"tre.example/test": "credentials", "tre.example/project": project}
    objects.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}}
    )
    objects.apply(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "workspace", "namespace": namespace, "labels": labels},
        }
    )
    inputs, outbox = f"tre-{project}-inputs", f"tre-{project}-outbox"
    storage.ensure_buckets([inputs, outbox])
    policy = make_bucket_policy((BucketGrant(inputs), BucketGrant(outbox, writable=True)))
    key = storage.ensure_identity(f"tre-project-{project}", policy)
    assert key is not None
    vault.put_secret(
        f"projects/{project}/storage",
        {"endpoint": s3.endpoint, "access_key": key.access_key, "secret_key": key.secret_key},
    )
    name = f"tre-project-{project}"
    vault.ensure_policy(
        name,
        f'path "{vault.kv_mount}/data/projects/{project}/storage" {{\n'
        '  capabilities = ["read"]\n}\n',
    )
    vault.ensure_role(
        name,
        service_account="workspace",
        namespace=namespace,
        policies=[name],
        ttl_seconds=600,
        max_ttl_seconds=600,
        no_default_policy=True,
        audience=AUDIENCE,
    )
    # A data manager puts a file in the project's inputs.
    s3.client().put_object(inputs, "cohort.csv", io.BytesIO(b"id,age\n"), length=7)


def workspace_credentials(
    kube: Kube, openbao: OpenBaoDev, vault: VaultProjects, project: str
) -> dict[str, Any]:
    """What the workspace does: log in with its own token and read its storage secret."""
    jwt = vault_audience_token(kube, f"tre-{project}")
    client = hvac.Client(url=openbao.url)
    client.auth.kubernetes.login(f"tre-project-{project}", jwt, mount_point=vault.kubernetes_mount)
    secret = client.secrets.kv.v2.read_secret_version(
        path=f"projects/{project}/storage",
        mount_point=vault.kv_mount,
        raise_on_deleted_version=True,
    )
    data: dict[str, Any] = secret["data"]["data"]
    return data


def vault_audience_token(kube: Kube, namespace: str) -> str:
    """A token of the ``workspace`` ServiceAccount for audience ``vault``, as the
    workspace pod's projected volume would hold it."""
    with kube.http() as http:
        response = http.post(
            f"/api/v1/namespaces/{namespace}/serviceaccounts/workspace/token",
            json={"spec": {"audiences": [AUDIENCE], "expirationSeconds": 600}},
        )
    assert response.status_code == 201, response.text
    token: str = response.json()["status"]["token"]
    return token


def _read(client: Minio, bucket: str, key: str) -> bytes:
    response = client.get_object(bucket, key)
    try:
        return bytes(response.read())
    finally:
        response.close()
        response.release_conn()


def test_workspace_token_yields_storage_credentials_for_its_own_project_only(
    kube: Kube,
    openbao: OpenBaoDev,
    s3: SeaweedFS,
    vault: VaultProjects,
    objects: KubernetesObjects,
    kubernetes_auth: KubernetesAuth,
) -> None:
    auth = kubernetes_auth
    vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt)
    storage = ProjectStorage(s3.client(), s3.identities())
    mine, theirs = project_name(), project_name()
    provision(mine, objects, storage, vault, s3)
    provision(theirs, objects, storage, vault, s3)

    credentials = workspace_credentials(kube, openbao, vault, mine)
    project_s3 = s3.client_for(credentials["access_key"], credentials["secret_key"])
    assert credentials["endpoint"] == s3.endpoint

    assert eventually(lambda: _read(project_s3, f"tre-{mine}-inputs", "cohort.csv")) == (
        b"id,age\n"
    )
    project_s3.put_object(f"tre-{mine}-outbox", "table.csv", io.BytesIO(b"n\n5\n"), length=4)
    for action in (
        lambda: _read(project_s3, f"tre-{theirs}-inputs", "cohort.csv"),
        lambda: list(project_s3.list_objects(f"tre-{theirs}-inputs")),
        lambda: list(project_s3.list_objects(f"tre-{theirs}-outbox")),
        lambda: project_s3.put_object(
            f"tre-{mine}-inputs", "planted.csv", io.BytesIO(b"x"), length=1
        ),
    ):
        with pytest.raises(S3Error) as refused:
            action()
        assert refused.value.code == "AccessDenied"

    # A token for the API server's default audience is not accepted by the role.
    with pytest.raises(hvac.exceptions.VaultError):
        hvac.Client(url=openbao.url).auth.kubernetes.login(
            f"tre-project-{mine}",
            kube.plane.service_account_token(f"tre-{mine}", "workspace"),
            mount_point=vault.kubernetes_mount,
        )

    # The other project's workspace gets its own, different credentials.
    other = workspace_credentials(kube, openbao, vault, theirs)
    assert other["access_key"] != credentials["access_key"]
    other_s3 = s3.client_for(other["access_key"], other["secret_key"])
    assert eventually(lambda: _read(other_s3, f"tre-{theirs}-inputs", "cohort.csv")) == (
        b"id,age\n"
    )
    with pytest.raises(S3Error):
        _read(other_s3, f"tre-{mine}-inputs", "cohort.csv")


def test_second_reconcile_of_an_unchanged_project_reports_no_writes(
    s3: SeaweedFS,
    vault: VaultProjects,
    objects: KubernetesObjects,
) -> None:
    storage = ProjectStorage(s3.client(), s3.identities())
    project = project_name()
    provision(project, objects, storage, vault, s3)
    writes = objects.writes
    policy = make_bucket_policy(
        (BucketGrant(f"tre-{project}-inputs"), BucketGrant(f"tre-{project}-outbox", writable=True))
    )

    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"tre-{project}"}}
    assert objects.apply(namespace) == "unchanged"
    assert storage.ensure_buckets([f"tre-{project}-inputs", f"tre-{project}-outbox"]) == []
    assert storage.ensure_identity(f"tre-project-{project}", policy) is None
    secret = vault.read_secret(f"projects/{project}/storage")
    assert secret is not None
    assert vault.put_secret(f"projects/{project}/storage", secret) is False
    assert objects.writes == writes
