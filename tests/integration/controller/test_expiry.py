"""At ``expiresAt`` (or by hand) a project is suspended: no hub, no user servers, no Vault
logins, no storage keys, data kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import hvac
import hvac.exceptions
import pytest
from minio.error import S3Error

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import container_security_context, pod_security_context
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


def _user_server(project: str, username: str) -> dict[str, Any]:
    """A user server pod as KubeSpawner makes it for the project's hub."""
    uid = 1000
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"jupyter-{username}",
            "labels": {
                "app": "jupyterhub",
                "component": naming.SINGLEUSER_COMPONENT,
                naming.COMPONENT_LABEL: naming.SINGLEUSER_COMPONENT,
                "heritage": "jupyterhub",
                "hub.jupyter.org/username": username,
                "hub.jupyter.org/servername": "",
                naming.PROJECT_LABEL: project,
            },
        },
        "spec": {
            "securityContext": pod_security_context(uid),
            "containers": [
                {
                    "name": "notebook",
                    "image": "quay.io/jupyter/minimal-notebook:2025-01-20",
                    "securityContext": container_security_context(uid),
                    "volumeMounts": [{"name": "home", "mountPath": "/home/jovyan"}],
                }
            ],
            "volumes": [
                {"name": "home", "persistentVolumeClaim": {"claimName": f"claim-{username}"}}
            ],
        },
    }


def test_suspension_stops_running_user_servers_keeps_their_volumes_and_refuses_new_ones(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=30)
    name = project_name("stopped")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)
    namespace = naming.namespace_name(name)
    pods = f"/api/v1/namespaces/{namespace}/pods"
    projects.provide_volume(name, "claim-alice", f"claim-alice-{name}")
    with kube.http() as client:
        claim = client.post(
            f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
            json={
                "metadata": {"name": "claim-alice", "labels": naming.project_labels(name)},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
        )
        assert claim.status_code == 201, claim.text
        started = client.post(pods, json=_user_server(name, "alice"))
        assert started.status_code == 201, started.text

    def phase_of(pod: str) -> str | None:
        with kube.http() as client:
            response = client.get(f"{pods}/{pod}")
        return None if response.status_code == 404 else response.json()["status"].get("phase")

    projects.wait_for(lambda: phase_of("jupyter-alice") == "Running", "alice's server to run")

    projects.patch_spec(name, {"suspended": True})
    projects.wait_for_phase(name, "Suspended", timeout=30)

    projects.wait_for(lambda: phase_of("jupyter-alice") is None, "alice's server to stop")

    def pods_allowed() -> str | None:
        with kube.http() as client:
            quota = client.get(f"/api/v1/namespaces/{namespace}/resourcequotas/project").json()
        return (quota.get("status") or {}).get("hard", {}).get("pods")

    projects.wait_for(lambda: pods_allowed() == "0", "the quota to allow no pods")
    with kube.http() as client:
        kept = client.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/claim-alice")
        respawned = client.post(pods, json=_user_server(name, "alice"))
    assert kept.status_code == 200, "the volume and its data are kept"
    assert respawned.status_code == 403, respawned.text
    assert "exceeded quota" in respawned.json()["message"]
