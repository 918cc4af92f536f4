"""The operator's own token, as the chart grants it, tried as an attacker holding it would.

The ServiceAccount, ClusterRole and ValidatingAdmissionPolicy are installed as the chart
installs them (``platform.py``); every request here goes to the real API server with a
real token of that ServiceAccount.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import OPERATOR_ACCOUNT, ControllerCluster

MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def operator_http(controller_cluster: ControllerCluster) -> Iterator[Any]:
    """An HTTP client of the API server holding the operator's ServiceAccount token."""
    kube = controller_cluster.kube
    token = kube.plane.service_account_token(controller_cluster.namespace, OPERATOR_ACCOUNT)
    with kube.http(token) as client:
        yield client


@pytest.fixture
def unrelated_namespace(controller_cluster: ControllerCluster) -> Iterator[str]:
    """A namespace that is not a project's (no managed-by label)."""
    kube = controller_cluster.kube
    name = kube.create_namespace(f"unrelated-{uuid4().hex[:6]}")
    yield name
    kube.delete_namespace(name)


def _refused(response: Any) -> str:
    assert response.status_code == 403, (
        f"expected a refusal, got {response.status_code}: {response.text}"
    )
    return str(response.json()["message"])


def test_the_operator_token_cannot_mint_a_token_secret_for_a_system_account(
    operator_http: Any,
) -> None:
    response = operator_http.post(
        "/api/v1/namespaces/kube-system/secrets",
        json={
            "metadata": {
                "name": f"stolen-{uuid4().hex[:6]}",
                "annotations": {
                    "kubernetes.io/service-account.name": "clusterrole-aggregation-controller"
                },
            },
            "type": "kubernetes.io/service-account-token",
        },
    )

    message = _refused(response)
    # Refused twice over: kube-system is not a project's, and token Secrets are never allowed.
    assert (
        "the operator may only write objects in namespaces labelled" in message
        or "the operator may not create ServiceAccount token Secrets" in message
    )


def test_the_operator_token_cannot_mint_a_token_secret_in_a_project_namespace_either(
    controller_cluster: ControllerCluster, operator_http: Any
) -> None:
    kube = controller_cluster.kube
    project_namespace = kube.create_namespace(
        f"tre-attack-{uuid4().hex[:6]}", labels=naming.project_labels("attack")
    )
    try:
        response = operator_http.post(
            f"/api/v1/namespaces/{project_namespace}/secrets",
            json={
                "metadata": {
                    "name": "stolen",
                    "annotations": {"kubernetes.io/service-account.name": "default"},
                },
                "type": "kubernetes.io/service-account-token",
            },
        )
        assert _refused(response).endswith(
            "the operator may not create ServiceAccount token Secrets"
        )
        allowed = operator_http.post(
            f"/api/v1/namespaces/{project_namespace}/secrets",
            json={"metadata": {"name": "ordinary"}, "stringData": {"k": "v"}},
        )
        assert allowed.status_code == 201, allowed.text
    finally:
        kube.delete_namespace(project_namespace)


def test_the_operator_token_cannot_start_a_pod_outside_project_namespaces(
    operator_http: Any, unrelated_namespace: str
) -> None:
    for namespace in ("kube-system", unrelated_namespace):
        response = operator_http.post(
            f"/api/v1/namespaces/{namespace}/pods",
            json={
                "metadata": {"name": "borrowed-identity"},
                "spec": {
                    "serviceAccountName": "default",
                    "containers": [{"name": "c", "image": "quay.io/jupyter/base-notebook:1"}],
                },
            },
        )
        assert "the operator may only write objects in namespaces labelled" in _refused(response)


def test_the_operator_token_cannot_touch_an_unlabelled_namespace(
    operator_http: Any, unrelated_namespace: str
) -> None:
    path = f"/api/v1/namespaces/{unrelated_namespace}"
    refusal = "the operator may only create, change or delete namespaces labelled"

    # Taking it over by giving it the project label is refused as much as any other edit.
    taken = operator_http.patch(
        path,
        json={"metadata": {"labels": {naming.MANAGED_BY_LABEL: naming.MANAGED_BY}}},
        headers=MERGE,
    )
    assert refusal in _refused(taken)
    loosened = operator_http.patch(
        path,
        json={"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}},
        headers=MERGE,
    )
    assert refusal in _refused(loosened)
    assert refusal in _refused(operator_http.delete(path))
    unlabelled = operator_http.post(
        "/api/v1/namespaces", json={"metadata": {"name": f"stray-{uuid4().hex[:6]}"}}
    )
    assert refusal in _refused(unlabelled)


def test_the_operator_token_cannot_widen_its_own_cluster_role(
    controller_cluster: ControllerCluster, operator_http: Any
) -> None:
    with controller_cluster.kube.http() as admin:
        bindings = admin.get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings").json()
    own = next(
        item["roleRef"]["name"]
        for item in bindings["items"]
        if any(
            subject.get("name") == OPERATOR_ACCOUNT
            and subject.get("namespace") == controller_cluster.namespace
            for subject in item.get("subjects") or []
        )
        and item["roleRef"]["name"] != "system:auth-delegator"
    )

    widened = operator_http.patch(
        f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{own}",
        json={"rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
        headers=MERGE,
    )

    assert widened.status_code == 403, widened.text
