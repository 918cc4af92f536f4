"""Applying a project's manifests to the real API server: quiet when nothing changed,
repairing hand edits and deletions, and refusing with our own errors."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes.client
import pytest

from orchestrator.adapters.kubernetes_objects import (
    KubernetesForbidden,
    KubernetesObjects,
    KubernetesRejected,
    KubernetesUnavailable,
)
from orchestrator.embedded.processes import free_port
from tests.harness.kubernetes import Kube, unique_name

LABELS = {"app.kubernetes.io/managed-by": "tre-orchestrator", "tre.example/project": "p1"}


def project_manifests(namespace: str) -> list[dict[str, Any]]:
    """One object of every namespaced kind the controller manages, as a builder would make it."""
    meta = {"namespace": namespace, "labels": LABELS}
    pod_labels = {"app": "workspace"}
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "workspace", **meta},
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "deny-all", **meta},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "quota", **meta},
            "spec": {"hard": {"limits.cpu": "4", "limits.memory": "8Gi", "pods": "10"}},
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "limits", **meta},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "default": {"cpu": "500m", "memory": "512Mi"},
                        "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                    }
                ]
            },
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "workspace", **meta},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "workspace", **meta},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "workspace",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "workspace", "namespace": namespace}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", **meta},
            "data": {"inputs": "tre-p1-inputs", "outbox": "tre-p1-outbox"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "vault-role", **meta},
            "type": "Opaque",
            "stringData": {"role": "tre-project-p1"},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "hub-data", **meta},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "workspace", **meta},
            "spec": {"selector": pod_labels, "ports": [{"name": "http", "port": 8888}]},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "workspace", **meta},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": pod_labels},
                "template": {
                    "metadata": {"labels": pod_labels},
                    "spec": {
                        "serviceAccountName": "workspace",
                        "containers": [
                            {
                                "name": "main",
                                "image": "registry.invalid/workspace:1",
                                "ports": [{"containerPort": 8888}],
                                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                            }
                        ],
                    },
                },
            },
        },
    ]


@pytest.fixture
def objects(kube: Kube) -> KubernetesObjects:
    return KubernetesObjects(kube.api_client())


def test_second_apply_of_unchanged_manifests_writes_nothing(
    objects: KubernetesObjects, kube_namespace: str
) -> None:
    manifests = project_manifests(kube_namespace)

    assert [objects.apply(m) for m in manifests] == ["created"] * len(manifests)
    writes = objects.writes
    assert writes == len(manifests)

    assert [objects.apply(m) for m in copy.deepcopy(manifests)] == ["unchanged"] * len(manifests)
    assert objects.writes == writes


def test_hand_edited_field_is_put_back(
    objects: KubernetesObjects, kube: Kube, kube_namespace: str
) -> None:
    config = project_manifests(kube_namespace)[6]
    objects.apply(config)
    with kube.http() as http:
        edited = http.patch(
            f"/api/v1/namespaces/{kube_namespace}/configmaps/settings",
            json={"data": {"outbox": "somewhere-else"}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert edited.status_code == 200, edited.text

    assert objects.apply(config) == "updated"

    live = objects.get("ConfigMap", "settings", kube_namespace)
    assert live is not None
    assert live["data"]["outbox"] == "tre-p1-outbox"
    assert objects.apply(config) == "unchanged"


def test_field_dropped_from_the_manifest_goes_at_the_next_change(
    objects: KubernetesObjects, kube_namespace: str
) -> None:
    config = project_manifests(kube_namespace)[6]
    objects.apply(config)
    smaller = copy.deepcopy(config)
    del smaller["data"]["inputs"]
    assert objects.apply(smaller) == "unchanged"  # the subset rule, on purpose

    smaller["data"]["outbox"] = "tre-p1-outbox-2"
    assert objects.apply(smaller) == "updated"

    live = objects.get("ConfigMap", "settings", kube_namespace)
    assert live is not None
    assert live["data"] == {"outbox": "tre-p1-outbox-2"}


def test_object_deleted_by_hand_is_created_again(
    objects: KubernetesObjects, kube_namespace: str
) -> None:
    policy = project_manifests(kube_namespace)[1]
    objects.apply(policy)

    assert objects.delete("NetworkPolicy", "deny-all", kube_namespace) is True
    assert objects.delete("NetworkPolicy", "deny-all", kube_namespace) is False
    assert objects.get("NetworkPolicy", "deny-all", kube_namespace) is None

    assert objects.apply(policy) == "created"


def test_namespace_is_applied_and_found_by_label(objects: KubernetesObjects) -> None:
    name = unique_name("tre-applied")
    marker = unique_name("run")
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"tre.example/test-run": marker}},
    }
    try:
        assert objects.apply(namespace) == "created"
        assert objects.apply(namespace) == "unchanged"
        assert objects.list_names("Namespace", None, f"tre.example/test-run={marker}") == [name]
    finally:
        assert objects.delete("Namespace", name) is True


def test_names_listed_by_label_are_the_ones_to_prune(
    objects: KubernetesObjects, kube_namespace: str
) -> None:
    for manifest in project_manifests(kube_namespace)[6:8]:
        objects.apply(manifest)

    selector = "app.kubernetes.io/managed-by=tre-orchestrator"
    assert objects.list_names("ConfigMap", kube_namespace, selector) == ["settings"]
    assert objects.list_names("Secret", kube_namespace, selector) == ["vault-role"]
    assert objects.list_names("Secret", kube_namespace, "tre.example/project=other") == []


def test_service_account_without_rights_is_forbidden_with_the_verb_and_resource(
    kube: Kube, kube_namespace: str
) -> None:
    weak = KubernetesObjects(kube.api_client(kube.kubeconfig_for(kube_namespace, "default")))
    before = weak.writes

    with pytest.raises(KubernetesForbidden, match=r'cannot get resource "configmaps"'):
        weak.apply(project_manifests(kube_namespace)[6])
    with pytest.raises(KubernetesForbidden, match=r"not allowed to list namespaces.*cannot list"):
        weak.list_names("Namespace", None, "a=b")
    with pytest.raises(KubernetesForbidden, match=r"not allowed to delete Secret"):
        weak.delete("Secret", "vault-role", kube_namespace)
    assert weak.writes == before


def test_invalid_manifest_is_rejected_with_the_server_reason(
    objects: KubernetesObjects, kube_namespace: str
) -> None:
    deployment = project_manifests(kube_namespace)[-1]
    deployment["spec"]["selector"] = {"matchLabels": {"app": "something-else"}}

    with pytest.raises(
        KubernetesRejected, match=r"is invalid: .*selector.*does not match template"
    ):
        objects.apply(deployment)
    assert objects.writes == 0


def test_unreachable_api_server_is_unavailable() -> None:
    configuration = kubernetes.client.Configuration()
    configuration.host = f"https://127.0.0.1:{free_port()}"
    configuration.retries = 0
    nowhere = KubernetesObjects(kubernetes.client.ApiClient(configuration), timeout=2.0)

    with pytest.raises(KubernetesUnavailable, match="could not get Namespace tre-x"):
        nowhere.get("Namespace", "tre-x")
