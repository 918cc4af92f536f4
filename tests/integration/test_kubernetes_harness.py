"""The harness's control plane behaves as a real cluster: scheduling onto kwok nodes,
RBAC with ServiceAccount tokens, PodSecurity admission, namespace garbage collection."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kubernetes import Kube, unique_name

RESTRICTED_CONTAINER: dict[str, Any] = {
    "name": "main",
    "image": "registry.invalid/workspace:1",
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.1)


def pod(name: str, container: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [container or {"name": "main", "image": "registry.invalid/x:1"}]},
    }


def test_control_plane_reports_the_pinned_version_and_ready_nodes(kube: Kube) -> None:
    with kube.http() as http:
        version = http.get("/version").json()
        nodes = http.get("/api/v1/nodes").json()["items"]
    assert version["gitVersion"] == "v1.37.2"
    assert nodes, "no fake nodes"
    for node in nodes:
        assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "True"


def test_deployment_pod_turns_running_on_a_kwok_node_with_a_loopback_address(
    kube: Kube, kube_namespace: str
) -> None:
    apps = client.AppsV1Api(kube.api_client())
    core = client.CoreV1Api(kube.api_client())
    labels = {"app": "web"}
    apps.create_namespaced_deployment(
        kube_namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": pod("web")["spec"]},
            },
        },
    )

    def running_pods() -> list[Any]:
        pods = core.list_namespaced_pod(kube_namespace, label_selector="app=web").items
        running = [p for p in pods if p.status.phase == "Running" and p.status.pod_ip]
        return running if len(running) == 2 else []

    pods = wait_for(running_pods, 30, "two Running pods of the Deployment")
    for running in pods:
        assert running.spec.node_name.startswith("kwok-node-")
        assert running.status.pod_ip.startswith(f"{kube.pod_subnet}.")
    assert len({p.status.pod_ip for p in pods}) == 2
    wait_for(
        lambda: (
            (
                apps.read_namespaced_deployment(
                    name="web", namespace=kube_namespace
                ).status.ready_replicas
                or 0
            )
            == 2
        ),
        30,
        "the Deployment to report two ready replicas",
    )


def test_service_account_is_refused_until_a_role_binding_grants_it(
    kube: Kube, kube_namespace: str
) -> None:
    admin = client.CoreV1Api(kube.api_client())
    admin.create_namespaced_service_account(kube_namespace, {"metadata": {"name": "reader"}})
    as_reader = client.CoreV1Api(kube.api_client(kube.kubeconfig_for(kube_namespace, "reader")))

    with pytest.raises(ApiException) as refused:
        as_reader.list_namespaced_pod(kube_namespace)
    assert refused.value.status == 403
    assert f"system:serviceaccount:{kube_namespace}:reader" in str(refused.value.body)

    rbac = client.RbacAuthorizationV1Api(kube.api_client())
    rbac.create_namespaced_role(
        kube_namespace,
        {
            "metadata": {"name": "pod-reader"},
            "rules": [
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}
            ],
        },
    )
    rbac.create_namespaced_role_binding(
        kube_namespace,
        {
            "metadata": {"name": "reader-reads-pods"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "pod-reader",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": kube_namespace}],
        },
    )

    def allowed() -> bool:
        try:
            as_reader.list_namespaced_pod(kube_namespace)
        except ApiException as exc:
            if exc.status != 403:
                raise
            return False
        return True

    wait_for(allowed, 10, "the RoleBinding to take effect")
    with pytest.raises(ApiException) as still_refused:
        as_reader.list_namespaced_secret(kube_namespace)
    assert still_refused.value.status == 403
    other = kube.create_namespace(unique_name("other"))
    try:
        with pytest.raises(ApiException) as elsewhere:
            as_reader.list_namespaced_pod(other)
        assert elsewhere.value.status == 403
    finally:
        kube.delete_namespace(other)


def test_restricted_pod_security_rejects_a_privileged_pod_and_admits_a_hardened_one(
    kube: Kube,
) -> None:
    name = kube.create_namespace(
        unique_name("restricted"), labels={"pod-security.kubernetes.io/enforce": "restricted"}
    )
    core = client.CoreV1Api(kube.api_client())
    try:
        privileged = {
            "name": "main",
            "image": "registry.invalid/x:1",
            "securityContext": {"privileged": True},
        }
        with pytest.raises(ApiException) as rejected:
            core.create_namespaced_pod(name, pod("root", privileged))
        assert rejected.value.status == 403
        message = json.loads(rejected.value.body)["message"]
        assert 'violates PodSecurity "restricted:latest"' in message
        assert (
            'privileged (container "main" must not set securityContext.privileged=true)' in message
        )

        core.create_namespaced_pod(name, pod("hardened", RESTRICTED_CONTAINER))
        assert core.read_namespaced_pod("hardened", name).metadata.name == "hardened"
    finally:
        kube.delete_namespace(name)


def test_deleting_a_namespace_removes_everything_in_it(kube: Kube) -> None:
    name = kube.create_namespace(unique_name("doomed"))
    core = client.CoreV1Api(kube.api_client())
    core.create_namespaced_config_map(name, {"metadata": {"name": "settings"}, "data": {"a": "1"}})
    core.create_namespaced_pod(name, pod("worker"))
    wait_for(
        lambda: core.read_namespaced_pod("worker", name).status.phase == "Running",
        30,
        "the pod to run",
    )

    core.delete_namespace(name)

    def gone() -> bool:
        try:
            core.read_namespace(name)
        except ApiException as exc:
            return exc.status == 404
        return False

    wait_for(gone, 60, f"namespace {name} to be deleted")
    assert core.list_namespaced_config_map(name).items == []
    assert core.list_namespaced_pod(name).items == []
