"""A real spawn: JupyterHub's KubeSpawner creates a pod on the test API server (as a
ServiceAccount with namespaced rights only), kwok runs it, the pod runner brings the
single-user server up on the pod's address, and the server answers through the proxy."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import httpx
from kubernetes import client

from orchestrator.domain.projects.enclave import Enclave
from orchestrator.domain.projects.manifests.hub_config import make_hub_config_text
from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import parse_project
from orchestrator.embedded.jupyterhub import Hub
from orchestrator.embedded.pod_runner import PodRunner
from tests.harness.jupyterhub import HubFactory
from tests.harness.kubernetes import Kube

HUB_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["pods", "persistentvolumeclaims", "services", "secrets"],
     "verbs": ["get", "list", "watch", "create", "delete", "patch"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list", "watch"]},
]  # fmt: skip


def grant_hub_rights(kube: Kube, namespace: str) -> Path:
    """A ServiceAccount for the hub that may manage pods in its own namespace only."""
    core = client.CoreV1Api(kube.api_client())
    rbac = client.RbacAuthorizationV1Api(kube.api_client())
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "hub"}})
    rbac.create_namespaced_role(namespace, {"metadata": {"name": "hub"}, "rules": HUB_RULES})
    rbac.create_namespaced_role_binding(
        namespace,
        {
            "metadata": {"name": "hub"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "hub"},
            "subjects": [{"kind": "ServiceAccount", "name": "hub", "namespace": namespace}],
        },
    )
    return kube.kubeconfig_for(namespace, "hub")


def hub_config(namespace: str) -> str:
    return f"""
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.KubeSpawner.namespace = {namespace!r}
c.KubeSpawner.image = "registry.invalid/singleuser:1"
c.KubeSpawner.cmd = ["jupyterhub-singleuser"]
c.KubeSpawner.uid = 1000
c.KubeSpawner.gid = 1000
c.KubeSpawner.start_timeout = 120
c.KubeSpawner.http_timeout = 120  # a loaded 2-core machine needs it
"""


def wait_ready(api: httpx.Client, user: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        model: dict[str, Any] = api.get(f"users/{user}").json()
        server = model.get("servers", {}).get("")
        if server and server.get("ready"):
            return server
        assert time.monotonic() < deadline, f"{user}'s server was not ready in {timeout} s: {model}"
        time.sleep(0.1)


def test_kubespawner_spawns_a_server_that_answers_through_the_proxy(
    kube: Kube, kube_namespace: str, jupyterhub_factory: HubFactory, pod_runner: PodRunner
) -> None:
    pod_runner.watch(kube_namespace)
    kubeconfig = grant_hub_rights(kube, kube_namespace)
    hub = jupyterhub_factory(hub_config(kube_namespace), env={"KUBECONFIG": str(kubeconfig)})

    with hub.api() as api:
        assert api.post("users/alice").status_code == 201
        begun, requested_at = time.monotonic(), time.time()
        assert api.post("users/alice/server").status_code in (201, 202)
        server = wait_ready(api, "alice", 150)
        spawn_seconds = time.monotonic() - begun

        core = client.CoreV1Api(kube.api_client())
        pod = core.read_namespaced_pod("jupyter-alice", kube_namespace)
        assert pod.status.phase == "Running"
        assert pod.spec.node_name.startswith("kwok-node-")
        assert server["url"] == "/user/alice/"
        [running] = [p for p in pod_runner.running.values() if p.namespace == kube_namespace]
        uid_line = next(
            line for line in Path(f"/proc/{running.process.pid}/status").read_text().splitlines()
            if line.startswith("Uid:")
        )  # fmt: skip
        assert uid_line.split()[1:] == ["1000"] * 4, (
            "the server must run as the pod's user, not root"
        )
        print(
            f"\nhub started in {hub.started_seconds:.1f} s; spawn request to ready {spawn_seconds:.1f} s,"
            f" of which request to local process start {running.started_at - requested_at:.1f} s"
        )

        token = api.post("users/alice/tokens", json={"expires_in": 600}).json()["token"]
        status = httpx.get(
            f"{hub.url}/user/alice/api/status",
            headers={"Authorization": f"token {token}"},
            timeout=10,
        )
        assert status.status_code == 200, status.text
        assert "last_activity" in status.json()
        anonymous = httpx.get(f"{hub.url}/user/alice/api/status", timeout=10)
        assert anonymous.status_code == 403

        assert api.delete("users/alice/server").status_code in (202, 204)
        deadline = time.monotonic() + 30
        while [p for p in pod_runner.running.values() if p.namespace == kube_namespace]:
            assert time.monotonic() < deadline, "the server process outlived its pod"
            time.sleep(0.1)
    assert not pod_runner.failures, pod_runner.failures


def test_the_generated_project_hub_config_spawns_a_pod_with_the_datasets_as_json(
    kube: Kube, jupyterhub_factory: HubFactory
) -> None:
    """The controller's own ``jupyterhub_config.py`` drives a real KubeSpawner spawn, and the
    pod receives ``TRE_DATASETS`` as JSON. KubeSpawner formats every environment value as
    a template, so unescaped JSON braces made every spawn fail (IndexError without
    datasets, KeyError with one) before any pod was created."""
    project = f"spawn-{secrets.token_hex(3)}"
    spec = parse_project(
        project,
        {
            "displayName": "Spawn",
            "tier": 2,
            "computeProfiles": [{"name": "s", "displayName": "S", "cpu": "1", "memory": "1Gi"}],
            "storageQuota": "5Gi",
            "images": ["registry.invalid/workspace:1"],
            "datasets": [{"name": "cohort", "bucket": "nhs-cohort", "prefix": "2024/"}],
        },
    )
    platform = Platform(
        s3_url="http://s3.invalid:9000",
        s3_cidr="",
        vault_url="http://vault.invalid:8200",
        vault_cidr="",
        kube_api_cidr="",
        kube_api_port=443,
        airlock_namespace="tre-system",
        airlock_port=8080,
        airlock_url="http://airlock.invalid:8080",
        hub_image="registry.invalid/hub:1",
        proxy_image="registry.invalid/proxy:1",
    )
    enclave = Enclave(project=project, spec=spec, platform=platform, suspended=False)
    namespace = kube.create_namespace(enclave.namespace)
    try:
        client.CoreV1Api(kube.api_client()).create_namespaced_service_account(
            namespace, {"metadata": {"name": "workspace"}}
        )
        kubeconfig = grant_hub_rights(kube, namespace)
        # Only what this machine needs on top: a sign-in without an identity provider.
        # The Service addresses the config reads are replaced by the harness's own.
        config = make_hub_config_text(enclave) + DUMMY_SIGN_IN
        hub = jupyterhub_factory(
            config,
            env={
                "KUBECONFIG": str(kubeconfig),
                "HUB_SERVICE_HOST": "127.0.0.1",
                "HUB_SERVICE_PORT": "1",
                "PROXY_API_SERVICE_HOST": "127.0.0.1",
                "PROXY_API_SERVICE_PORT": "1",
            },
        )
        with hub.api() as api:
            assert api.post("users/alice").status_code == 201
            response = api.post("users/alice/server")
            assert response.status_code in (201, 202), response.text
            pod = wait_for_pod(kube, namespace, "jupyter-alice", hub, 60)
            env = {e.name: e.value for e in pod.spec.containers[0].env}
            assert env["TRE_DATASETS"] == '{"cohort": {"bucket": "nhs-cohort", "prefix": "2024/"}}'
            assert env["TRE_PROJECT"] == project
            assert pod.spec.containers[0].image == "registry.invalid/workspace:1"
            api.delete("users/alice/server")
    finally:
        kube.delete_namespace(namespace)


DUMMY_SIGN_IN = """
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
"""


def wait_for_pod(kube: Kube, namespace: str, name: str, hub: Hub, timeout: float) -> Any:
    """The user's pod, once KubeSpawner has created it; on failure, the hub's log says why."""
    core = client.CoreV1Api(kube.api_client())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = core.list_namespaced_pod(namespace, field_selector=f"metadata.name={name}").items
        if pods:
            return pods[0]
        time.sleep(0.2)
    log = (hub.workdir / "jupyterhub.log").read_text(errors="replace")
    raise AssertionError(
        f"KubeSpawner created no pod {name} in {timeout} s; hub log:\n{log[-3000:]}"
    )
