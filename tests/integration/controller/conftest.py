"""Fixtures for the project controller's integration tests.

The adapters' tests use Vault mounts of their own per test (``vault``), project
namespaces (``make_project_namespace``) and a ServiceAccount Vault reviews tokens with
(``kubernetes_auth``). The operator's tests (see ``platform.py``) use
``controller_cluster`` (session: the control plane prepared as the chart prepares it),
``start_operator`` (``tre operator run`` subprocesses against the session's OpenBao and
SeaweedFS, or a dedicated OpenBao, stopped when the test ends) and ``projects``
(ResearchProjects created as an administrator, whatever is left deleted afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from orchestrator.adapters.vault_projects import VaultProjects
from orchestrator.embedded.openbao import OpenBaoDev
from tests.harness.kubernetes import Kube
from tests.integration.controller.platform import (
    ControllerCluster,
    OperatorFactory,
    RunningOperator,
    VaultTarget,
    prepare_cluster,
)
from tests.integration.controller.projects import Projects


def project_name() -> str:
    """A project name unique to the call, valid in every name derived from it."""
    return f"p{uuid4().hex[:8]}"


@dataclass(frozen=True)
class KubernetesAuth:
    """What Vault needs to review tokens of the harness cluster."""

    host: str
    ca_pem: str
    reviewer_jwt: str


@pytest.fixture
def vault(openbao: OpenBaoDev) -> VaultProjects:
    """Project Vault adapter on fresh mounts of its own (KV v2 and Kubernetes auth enabled)."""
    suffix = uuid4().hex[:6]
    projects = VaultProjects(
        openbao.client(), kv_mount=f"tre-{suffix}", kubernetes_mount=f"kubernetes-{suffix}"
    )
    projects.ensure_engines()
    return projects


@pytest.fixture(scope="session")
def kubernetes_auth(kube: Kube) -> Iterator[KubernetesAuth]:
    """A ServiceAccount bound to ``system:auth-delegator`` (TokenReview rights) and its token."""
    namespace = kube.create_namespace(f"vault-reviewer-{uuid4().hex[:6]}")
    binding = f"{namespace}-auth-delegator"
    with kube.http() as http:
        created = http.post(
            f"/api/v1/namespaces/{namespace}/serviceaccounts",
            json={"metadata": {"name": "vault-reviewer"}},
        )
        assert created.status_code == 201, created.text
        bound = http.post(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            json={
                "metadata": {"name": binding},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "system:auth-delegator",
                },
                "subjects": [
                    {"kind": "ServiceAccount", "name": "vault-reviewer", "namespace": namespace}
                ],
            },
        )
        assert bound.status_code == 201, bound.text
    try:
        yield KubernetesAuth(
            host=kube.api_url,
            ca_pem=kube.ca_file.read_text(),
            reviewer_jwt=kube.plane.service_account_token(namespace, "vault-reviewer", 3600),
        )
    finally:
        with kube.http() as http:
            http.delete(f"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{binding}")
        kube.delete_namespace(namespace)


@pytest.fixture
def make_project_namespace(kube: Kube) -> Iterator[Callable[[], str]]:
    """Create ``tre-<p>`` with a ``workspace`` ServiceAccount; return ``p``. Deleted afterwards."""
    created: list[str] = []

    def make() -> str:
        project = project_name()
        namespace = kube.create_namespace(f"tre-{project}")
        created.append(namespace)
        with kube.http() as http:
            response = http.post(
                f"/api/v1/namespaces/{namespace}/serviceaccounts",
                json={"metadata": {"name": "workspace"}},
            )
        assert response.status_code == 201, response.text
        return project

    try:
        yield make
    finally:
        for namespace in created:
            kube.delete_namespace(namespace)


@pytest.fixture(scope="session")
def controller_cluster(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> ControllerCluster:
    return prepare_cluster(kube, tmp_path_factory.mktemp("controller"))


@pytest.fixture
def start_operator(
    controller_cluster: ControllerCluster,
    openbao: Any,
    s3: Any,
    tmp_path: Path,
) -> Iterator[Callable[..., RunningOperator]]:
    """Start ``tre operator run`` subprocesses; every one is stopped when the test ends."""
    factory = OperatorFactory(
        cluster=controller_cluster,
        vault=VaultTarget(openbao.url, openbao.root_token),
        s3=s3,
        logs=tmp_path / "operator-logs",
    )
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def projects(controller_cluster: ControllerCluster) -> Iterator[Projects]:
    """Create ResearchProjects as an administrator; every one is deleted afterwards."""
    helper = Projects(controller_cluster.kube)
    try:
        yield helper
    finally:
        helper.delete_all()
