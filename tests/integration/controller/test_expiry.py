"""At ``expiresAt`` a project is suspended: no hub, no Vault logins, no storage keys, data kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import hvac
import hvac.exceptions
import pytest
from minio.error import S3Error

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name
from tests.integration.controller.servers import server_key, start_server


def workspace_login(kube: Any, openbao: Any, project: str) -> hvac.Client:
    """Log in to Vault as the project's workspace would, with a vault-audience token."""
    namespace = naming.namespace_name(project)
    with kube.http() as client:
        response = client.post(
            f"/api/v1/namespaces/{namespace}/serviceaccounts/"
            f"{naming.WORKSPACE_SERVICE_ACCOUNT}/token",
            json={
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"audiences": ["vault"], "expirationSeconds": 600},
            },
        )
    assert response.status_code == 201, response.text
    workspace = hvac.Client(url=openbao.url)
    workspace.auth.kubernetes.login(
        naming.vault_role_name(project), response.json()["status"]["token"]
    )
    return workspace


def test_a_project_is_suspended_when_its_agreement_expires_and_its_data_is_kept(
    controller_cluster: ControllerCluster,
    start_operator: Any,
    projects: Projects,
    openbao: Any,
    s3: Any,
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=3)
    name = project_name("expiring")
    far = datetime.now(UTC) + timedelta(days=30)
    projects.create(name, make_spec(expiresAt=far.strftime("%Y-%m-%dT%H:%M:%SZ")))
    projects.wait_for_phase(name, "Ready", timeout=120)

    workspace = workspace_login(kube, openbao, name)
    start_server(kube, name, "alice")
    keys = server_key(kube, name, "alice")
    outbox = naming.outbox_bucket(name)
    researcher = s3.client_for(keys["access_key"], keys["secret_key"])

    def wrote() -> bool:
        try:
            researcher.put_object(outbox, "results.csv", io.BytesIO(b"a,b\n1,2\n"), 8)
        except Exception:
            return False
        return True

    projects.wait_for(wrote, "the project's key to work in its outbox", timeout=20, every=1)

    # The agreement now ends a few seconds ahead: only the resync timer can notice it pass.
    expires = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    projects.patch_spec(name, {"expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert projects.status(name)["phase"] == "Ready"

    status = projects.wait_for_phase(name, "Suspended", timeout=60)
    assert datetime.now(UTC) >= expires
    assert "expiresAt" in status["message"]

    with kube.http() as client:
        hub = client.get(
            f"/apis/apps/v1/namespaces/{naming.namespace_name(name)}/deployments/{naming.HUB_NAME}"
        ).json()
    assert hub["spec"]["replicas"] == 0
    with pytest.raises(hvac.exceptions.Forbidden):
        workspace.auth.token.lookup_self()
    with pytest.raises(hvac.exceptions.VaultError):
        workspace_login(kube, openbao, name)
    assert naming.member_storage_identity(name, "alice") not in s3.identities().list_users()
    with pytest.raises(S3Error) as refused:
        researcher.put_object(outbox, "more.csv", io.BytesIO(b"x"), 1)
    assert refused.value.code == "InvalidAccessKeyId"
    kept = s3.client().get_object(outbox, "results.csv")
    assert kept.read() == b"a,b\n1,2\n"
    kept.close()
