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
from tests.integration.controller.platform import (
    OPERATOR_ACCOUNT,
    ControllerCluster,
    project_role_name,
)
from tests.integration.controller.projects import Projects

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


def _self_binding(controller_cluster: ControllerCluster) -> dict[str, Any]:
    """The RoleBinding the operator makes itself in each project namespace."""
    return {
        "metadata": {"name": "tre-orchestrator"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": project_role_name(controller_cluster.operator_role),
        },
        "subjects": [
            {
                "kind": "ServiceAccount",
                "name": OPERATOR_ACCOUNT,
                "namespace": controller_cluster.namespace,
            }
        ],
    }


def _refused(response: Any) -> str:
    assert response.status_code == 403, (
        f"expected a refusal, got {response.status_code}: {response.text}"
    )
    return str(response.json()["message"])


def test_the_operator_token_cannot_read_secrets_outside_project_namespaces(
    controller_cluster: ControllerCluster, operator_http: Any, unrelated_namespace: str
) -> None:
    with controller_cluster.kube.http() as admin:
        made = admin.post(
            f"/api/v1/namespaces/{unrelated_namespace}/secrets",
            json={"metadata": {"name": "database"}, "stringData": {"password": "hunter2"}},
        )
        assert made.status_code == 201, made.text

    read = operator_http.get(f"/api/v1/namespaces/{unrelated_namespace}/secrets/database")
    listed = operator_http.get("/api/v1/secrets")
    system = operator_http.get("/api/v1/namespaces/kube-system/serviceaccounts")

    for response in (read, listed, system):
        assert response.status_code == 403, response.text
        assert "cannot" in response.json()["message"]


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

    # RBAC refuses first: the operator holds no rights on Secrets outside project namespaces.
    assert 'cannot create resource "secrets" in API group "" in the namespace "kube-system"' in (
        _refused(response)
    )


def test_the_operator_token_cannot_mint_a_token_secret_in_a_project_namespace_either(
    controller_cluster: ControllerCluster, operator_http: Any
) -> None:
    kube = controller_cluster.kube
    project_namespace = kube.create_namespace(
        f"tre-attack-{uuid4().hex[:6]}", labels=naming.project_labels("attack")
    )
    # The rights the operator gives itself in each project namespace.
    with kube.http() as admin:
        bound = admin.post(
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{project_namespace}/rolebindings",
            json=_self_binding(controller_cluster),
        )
        assert bound.status_code == 201, bound.text
    try:

        def ordinary() -> bool:
            # The binding takes effect once the authorizer has seen it.
            made = operator_http.post(
                f"/api/v1/namespaces/{project_namespace}/secrets",
                json={"metadata": {"name": "ordinary"}, "stringData": {"k": "v"}},
            )
            return bool(made.status_code == 201)

        Projects.wait_for(ordinary, "an ordinary Secret to be allowed", timeout=10)

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
        assert (
            f'cannot create resource "pods" in API group "" in the namespace "{namespace}"'
            in _refused(response)
        )


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


def test_the_operator_token_cannot_grant_itself_its_project_rights_outside_project_namespaces(
    controller_cluster: ControllerCluster, operator_http: Any, unrelated_namespace: str
) -> None:
    """It may create RoleBindings (its own, in each new project namespace) and bind its
    project role: the admission policy keeps both to project namespaces."""
    for namespace in ("kube-system", unrelated_namespace):
        response = operator_http.post(
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings",
            json=_self_binding(controller_cluster),
        )
        assert "the operator may only write objects in namespaces labelled" in _refused(response)
