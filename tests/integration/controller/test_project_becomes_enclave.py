"""A ResearchProject becomes a working enclave, and an idle resync of it writes nothing.

The operator runs as a subprocess under the chart's ServiceAccount and ClusterRole,
against the real API server (kwok runs the pods), OpenBao and SeaweedFS.
"""

from __future__ import annotations

import time
from typing import Any

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name


def _items(kube: Any, path: str) -> list[dict[str, Any]]:
    with kube.http() as client:
        response = client.get(path)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _names(kube: Any, path: str) -> set[str]:
    return {item["metadata"]["name"] for item in _items(kube, path)}


def managed_versions(kube: Any, project: str) -> dict[str, str]:
    """resourceVersion of every object the controller manages for ``project``, and of
    the ResearchProject itself."""
    namespace = naming.namespace_name(project)
    selector = f"labelSelector={naming.PROJECT_LABEL}={project}"
    paths = [
        f"/api/v1/namespaces/{namespace}/{plural}?{selector}"
        for plural in (
            "serviceaccounts",
            "configmaps",
            "secrets",
            "services",
            "resourcequotas",
            "limitranges",
            "persistentvolumeclaims",
        )
    ] + [
        f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies?{selector}",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles?{selector}",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings?{selector}",
        f"/apis/apps/v1/namespaces/{namespace}/deployments?{selector}",
    ]
    versions = {}
    for path in paths:
        for item in _items(kube, path):
            meta = item["metadata"]
            versions[
                f"{item.get('kind') or path.split('?')[0].rsplit('/', 1)[1]}/{meta['name']}"
            ] = meta["resourceVersion"]
    with kube.http() as client:
        ns = client.get(f"/api/v1/namespaces/{namespace}").json()
    versions["Namespace"] = ns["metadata"]["resourceVersion"]
    return versions


def test_a_project_becomes_a_ready_enclave_with_its_hub_running(
    controller_cluster: ControllerCluster,
    start_operator: Any,
    projects: Projects,
    openbao: Any,
    s3: Any,
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=5)
    name = project_name("enclave")
    projects.create(name, make_spec())

    status = projects.wait_for_phase(name, "Ready", timeout=120)

    namespace = naming.namespace_name(name)
    assert status["namespace"] == namespace
    assert set(status["buckets"]) == set(naming.project_buckets(name))
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "NamespaceReady": "True",
        "NetworkIsolated": "True",
        "VaultReady": "True",
        "StorageReady": "True",
        "HubReady": "True",
    }
    assert status["observedGeneration"] == 1
    policies = _names(kube, f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies")
    assert len(policies) >= 4
    assert _names(kube, f"/api/v1/namespaces/{namespace}/resourcequotas")
    assert _names(kube, f"/api/v1/namespaces/{namespace}/limitranges")
    assert {naming.HUB_SERVICE_ACCOUNT, naming.WORKSPACE_SERVICE_ACCOUNT} <= _names(
        kube, f"/api/v1/namespaces/{namespace}/serviceaccounts"
    )
    assert naming.HUB_ROLE in _names(
        kube, f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles"
    )
    assert naming.HUB_NAME in _names(kube, f"/api/v1/namespaces/{namespace}/configmaps")
    assert {naming.HUB_NAME, naming.PROXY_PUBLIC_SERVICE, naming.PROXY_API_SERVICE} <= _names(
        kube, f"/api/v1/namespaces/{namespace}/services"
    )
    assert {naming.HUB_NAME, naming.PROXY_NAME} <= _names(
        kube, f"/apis/apps/v1/namespaces/{namespace}/deployments"
    )
    hub_pods = [
        pod
        for pod in _items(kube, f"/api/v1/namespaces/{namespace}/pods")
        if pod["metadata"]["labels"].get(naming.COMPONENT_LABEL) == naming.HUB_NAME
    ]
    assert [pod["status"]["phase"] for pod in hub_pods] == ["Running"]
    assert hub_pods[0]["spec"]["nodeName"] in kube.plane.nodes

    buckets = {bucket.name for bucket in s3.client().list_buckets()}
    assert set(naming.project_buckets(name)) <= buckets
    # Storage keys are issued per user server: a new project has no storage identity.
    users = s3.identities().list_users()
    assert naming.storage_identity_name(name) not in users
    assert not [u for u in users if naming.is_member_storage_identity(name, u)]
    vault = openbao.client()
    role = vault.auth.kubernetes.read_role(naming.vault_role_name(name))
    assert role["bound_service_account_namespaces"] == [namespace]


def test_an_idle_resync_of_an_unchanged_project_writes_nothing(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    kube = controller_cluster.kube
    operator = start_operator(resync_seconds=2)
    name = project_name("idle")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)
    time.sleep(3)  # let the last status patch and its watch event settle

    before = managed_versions(kube, name)
    project_version = projects.get(name)["metadata"]["resourceVersion"]  # type: ignore[index]
    writes = operator.writes()
    reconciles = operator.metric("tre_reconcile_duration_seconds_count")
    time.sleep(7)  # at least three resync periods

    assert operator.metric("tre_reconcile_duration_seconds_count") >= reconciles + 3
    assert operator.writes() == writes
    assert managed_versions(kube, name) == before
    assert projects.get(name)["metadata"]["resourceVersion"] == project_version  # type: ignore[index]
