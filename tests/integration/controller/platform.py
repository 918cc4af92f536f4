"""The control plane prepared as the chart prepares it, and ``tre operator run`` subprocesses.

Shared by the controller's integration tests (through ``conftest.py``) and by
``bench/controller_scale.py``: the CRDs from ``helm/tre-orchestrator/crds/``, a
namespace with the operator's ServiceAccount, the ClusterRole from
``files/operator-clusterrole-rules.yaml`` bound to it, ``system:auth-delegator`` (Vault
reviews workspace tokens with its token) and a ClusterKopfPeering. The operator runs
with that ServiceAccount's kubeconfig, never the admin one.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from orchestrator.domain.operator_access import (
    bind_rule,
    make_admission_policy,
    service_account_user,
)
from orchestrator.embedded.paths import REPO_ROOT
from orchestrator.embedded.processes import ManagedProcess, free_port, tail
from tests.harness.kubernetes import Kube
from tests.integration.controller.polling import eventually
from tests.integration.controller.projects import Projects

CHART = REPO_ROOT / "helm" / "tre-orchestrator"
OPERATOR_ACCOUNT = "tre-operator"


def _create(kube: Kube, path: str, body: dict[str, Any]) -> None:
    with kube.http() as client:
        response = client.post(path, json=body)
    assert response.status_code in (201, 409), f"could not create {path}: {response.text}"


@dataclass
class ControllerCluster:
    """The control plane prepared as the chart prepares it, for one test session."""

    kube: Kube
    namespace: str
    """Where the operator's ServiceAccount lives; also the airlock's namespace."""
    peering: str
    scratch: Path
    operator_role: str = ""
    """The operator's ClusterRole; its project role is named after it."""

    @property
    def service_account(self) -> str:
        return OPERATOR_ACCOUNT

    def operator_kubeconfig(self) -> Path:
        """A kubeconfig with a real token of the operator's ServiceAccount."""
        return self.kube.kubeconfig_for(self.namespace, OPERATOR_ACCOUNT)

    def reviewer_token_file(self) -> Path:
        """The operator's token in a file, as the pod has it mounted (Vault reviews with it)."""
        path = self.scratch / f"reviewer-{secrets.token_hex(3)}.token"
        path.write_text(self.kube.plane.service_account_token(self.namespace, OPERATOR_ACCOUNT))
        return path


def install_crds(kube: Kube) -> None:
    for path in sorted((CHART / "crds").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                _create(kube, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", document)
    with kube.http() as client:
        for path in sorted((CHART / "crds").glob("*.yaml")):
            for document in yaml.safe_load_all(path.read_text()):
                name = document["metadata"]["name"]
                Projects.wait_for(
                    lambda name=name: any(
                        c["type"] == "Established" and c["status"] == "True"
                        for c in client.get(
                            f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
                        )
                        .json()
                        .get("status", {})
                        .get("conditions", [])
                    ),
                    f"CRD {name} to be established",
                    timeout=30,
                )


def grant_operator_rights(kube: Kube, namespace: str, name: str) -> None:
    """The chart's ServiceAccount, both ClusterRoles (cluster-wide rights, and the
    project role it binds in each project namespace), both ClusterRoleBindings and the
    ValidatingAdmissionPolicy that keeps the operator to project namespaces."""
    rules = yaml.safe_load((CHART / "files" / "operator-clusterrole-rules.yaml").read_text())
    project_rules = yaml.safe_load((CHART / "files" / "operator-project-rules.yaml").read_text())
    _create(
        kube,
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": OPERATOR_ACCOUNT}},
    )
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    for role, role_rules in (
        (name, [*rules, bind_rule(project_role_name(name))]),
        (project_role_name(name), project_rules),
    ):
        _create(
            kube,
            f"{rbac}/clusterroles",
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
             "metadata": {"name": role}, "rules": role_rules},
        )  # fmt: skip
    subject = {"kind": "ServiceAccount", "name": OPERATOR_ACCOUNT, "namespace": namespace}
    for binding, role in ((name, name), (f"{name}-auth-delegator", "system:auth-delegator")):
        _create(
            kube,
            f"{rbac}/clusterrolebindings",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": binding},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": role},
                "subjects": [subject],
            },
        )  # fmt: skip
    user = service_account_user(namespace, OPERATOR_ACCOUNT)
    policy, binding = make_admission_policy(name, user)
    admission = "/apis/admissionregistration.k8s.io/v1"
    _create(kube, f"{admission}/validatingadmissionpolicies", policy)
    _create(kube, f"{admission}/validatingadmissionpolicybindings", binding)
    _wait_for_admission_policy(kube, namespace)


def _wait_for_admission_policy(kube: Kube, namespace: str) -> None:
    """The API server applies a new admission policy a moment after it is created: wait
    until it refuses what RBAC allows the operator (an unlabelled namespace, dry run), so
    no test meets the operator's token before the policy holds it."""
    token = kube.plane.service_account_token(namespace, OPERATOR_ACCOUNT)

    def refused() -> None:
        with kube.http(token) as operator:
            answer = operator.post(
                "/api/v1/namespaces?dryRun=All",
                json={"metadata": {"name": f"unlabelled-{secrets.token_hex(3)}"}},
            )
        assert answer.status_code == 403, answer.text

    eventually(refused, timeout=30)


def project_role_name(operator_role: str) -> str:
    """The project ClusterRole's name, as the chart names it after the operator's."""
    return f"{operator_role}-project"


def prepare_cluster(kube: Kube, scratch: Path) -> ControllerCluster:
    """Install what the chart installs for the operator, under a unique suffix."""
    suffix = secrets.token_hex(3)
    namespace = kube.create_namespace(f"tre-system-{suffix}")
    install_crds(kube)
    operator_role = f"tre-operator-{suffix}"
    grant_operator_rights(kube, namespace, operator_role)
    peering = f"tre-orchestrator-{suffix}"
    _create(
        kube,
        "/apis/kopf.dev/v1/clusterkopfpeerings",
        {"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering", "metadata": {"name": peering}},
    )
    return ControllerCluster(
        kube=kube,
        namespace=namespace,
        peering=peering,
        scratch=scratch,
        operator_role=operator_role,
    )


@dataclass
class RunningOperator:
    """One ``tre operator run`` subprocess, with its metrics and health ports."""

    process: ManagedProcess
    metrics_port: int
    health_port: int

    def metrics(self) -> dict[str, float]:
        """Every sample of ``/metrics``, keyed by its exposition name with labels."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        samples: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                samples[key] = float(value)
        return samples

    def metric(self, key: str) -> float:
        return self.metrics().get(key, 0.0)

    def writes(self) -> float:
        return self.metric("tre_reconcile_writes_total")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=2).is_success
        except httpx.HTTPError:
            return False

    def log(self, lines: int = 60) -> str:
        return tail(self.process.log_path, lines)

    def stop(self) -> None:
        self.process.stop(grace=20)


@dataclass
class VaultTarget:
    url: str
    token: str


@dataclass
class OperatorFactory:
    cluster: ControllerCluster
    vault: VaultTarget
    s3: Any
    logs: Path
    started: list[RunningOperator] = field(default_factory=list)

    def __call__(
        self,
        *,
        resync_seconds: float = 5.0,
        standalone: bool = True,
        priority: int | None = None,
        vault: VaultTarget | None = None,
        name: str = "operator",
        extra_env: dict[str, str] | None = None,
    ) -> RunningOperator:
        vault = vault or self.vault
        metrics_port, health_port = free_port(), free_port()
        env = {
            "TRE_OPERATOR_PEERING": self.cluster.peering,
            "TRE_OPERATOR_POD_NAME": f"{name}-{secrets.token_hex(3)}",
            "TRE_OPERATOR_RESYNC_SECONDS": str(resync_seconds),
            "TRE_OPERATOR_LOG_FORMAT": "plain",
            "TRE_OPERATOR_METRICS_HOST": "127.0.0.1",
            "TRE_OPERATOR_METRICS_PORT": str(metrics_port),
            "TRE_OPERATOR_HEALTH_HOST": "127.0.0.1",
            "TRE_OPERATOR_HEALTH_PORT": str(health_port),
            "TRE_OPERATOR_VAULT_URL": vault.url,
            "TRE_OPERATOR_VAULT_TOKEN": vault.token,
            "TRE_OPERATOR_VAULT_KUBERNETES_HOST": self.cluster.kube.api_url,
            "TRE_OPERATOR_VAULT_KUBERNETES_CA_FILE": str(self.cluster.kube.ca_file),
            "TRE_OPERATOR_VAULT_REVIEWER_TOKEN_FILE": str(self.cluster.reviewer_token_file()),
            "TRE_OPERATOR_S3_URL": self.s3.url,
            "TRE_OPERATOR_S3_ACCESS_KEY": self.s3.access_key,
            "TRE_OPERATOR_S3_SECRET_KEY": self.s3.secret_key,
            "TRE_OPERATOR_S3_CIDR": "127.0.0.1/32",
            "TRE_OPERATOR_VAULT_CIDR": "127.0.0.1/32",
            "TRE_OPERATOR_KUBE_API_CIDR": "127.0.0.1/32",
            "TRE_OPERATOR_KUBE_API_PORT": self.cluster.kube.api_url.rsplit(":", 1)[1],
            "TRE_OPERATOR_AIRLOCK_NAMESPACE": self.cluster.namespace,
            "TRE_OPERATOR_AIRLOCK_PORT": "8900",
            "TRE_OPERATOR_AIRLOCK_URL": f"http://tre-airlock.{self.cluster.namespace}.svc:8900",
            "TRE_OPERATOR_HUB_IMAGE": "quay.io/jupyterhub/k8s-hub:4.2.0",
            "TRE_OPERATOR_PROXY_IMAGE": "quay.io/jupyterhub/configurable-http-proxy:4.6.3",
            "TRE_OPERATOR_NAMESPACE": self.cluster.namespace,
            "TRE_OPERATOR_SERVICE_ACCOUNT": OPERATOR_ACCOUNT,
            "TRE_OPERATOR_PROJECT_ROLE": project_role_name(self.cluster.operator_role),
            "TRE_OPERATOR_ALLOWED_REGISTRIES": '["quay.io/jupyter"]',
            "TRE_OPERATOR_PLATFORM_BUCKETS": '["tre-airlock-quarantine", "tre-airlock-release"]',
            # The operator finds the cluster through --kubeconfig only.
            "KUBECONFIG": "/nonexistent",
        }
        env.update(extra_env or {})
        if priority is not None:
            env["TRE_OPERATOR_PRIORITY"] = str(priority)
        argv = [str(Path(sys.executable).parent / "tre"), "operator", "run", "--verbose"]
        argv += ["--kubeconfig", str(self.cluster.operator_kubeconfig())]
        if standalone:
            argv.append("--standalone")
        process = ManagedProcess(
            name=f"tre operator run ({name})",
            argv=argv,
            log_path=self.logs / f"{name}-{secrets.token_hex(3)}.log",
            env={**{k: v for k, v in os.environ.items() if not k.startswith("TRE_")}, **env},
            inherit_env=False,
            die_with_parent=True,
        )
        running = RunningOperator(process.start(), metrics_port, health_port)
        self.started.append(running)
        process.wait_ready(running.healthy, timeout=60, what="healthy (/healthz)")
        return running

    def stop_all(self) -> None:
        for running in reversed(self.started):
            running.stop()
