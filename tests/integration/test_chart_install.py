"""The chart installs into a real API server, under Pod Security `restricted`.

The server validates every object itself (schemas, RBAC escalation checks, CRDs),
admission refuses any pod that breaks the `restricted` profile, and kwok turns
the accepted pods Running.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from tests.unit.helm_chart import CHART, MINIMAL_VALUES, helm_binary

RELEASE = "tre"


def helm(kube: Any, *args: str) -> subprocess.CompletedProcess[str]:
    home = Path(kube.kubeconfig).parent / "helm-chart-install"
    home.mkdir(exist_ok=True)
    env = {
        "KUBECONFIG": str(kube.kubeconfig),
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [str(helm_binary()), *args], capture_output=True, text=True, env=env, timeout=180
    )


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


@pytest.fixture
def restricted_namespace(kube: Any) -> Iterator[str]:
    """A fresh namespace enforcing Pod Security `restricted`; yields its name."""
    namespace = f"tre-chart-{secrets.token_hex(3)}"
    core = kubernetes.client.CoreV1Api(kube.api_client())
    labels = {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
    }
    core.create_namespace(
        kubernetes.client.V1Namespace(metadata={"name": namespace, "labels": labels})
    )
    yield namespace
    helm(kube, "uninstall", RELEASE, "--namespace", namespace, "--wait")
    core.delete_namespace(namespace)


def test_chart_installs_and_its_pods_pass_restricted_admission(
    kube: Any, restricted_namespace: str
) -> None:
    namespace = restricted_namespace
    core = kubernetes.client.CoreV1Api(kube.api_client())
    result = helm(
        kube,
        "install",
        RELEASE,
        str(CHART),
        "--namespace",
        namespace,
        "--values",
        str(MINIMAL_VALUES),
    )
    assert result.returncode == 0, result.stderr
    assert "Exports need 2 independent approval(s)" in result.stdout

    apps = kubernetes.client.AppsV1Api(kube.api_client())
    for name in ("tre-operator", "tre-airlock"):
        wait_for(
            lambda name=name: (
                (apps.read_namespaced_deployment(name, namespace).status.ready_replicas or 0) >= 2
            ),
            f"deployment {name} to have 2 ready replicas",
            timeout=90,
        )
    pods = core.list_namespaced_pod(namespace).items
    assert len(pods) == 4
    assert {pod.status.phase for pod in pods} == {"Running"}

    events = core.list_namespaced_event(namespace).items
    refused = [e.message for e in events if "violates PodSecurity" in (e.message or "")]
    assert refused == []

    custom = kubernetes.client.CustomObjectsApi(kube.api_client())
    peering = custom.get_cluster_custom_object(
        "kopf.dev", "v1", "clusterkopfpeerings", "tre-orchestrator"
    )
    assert peering["metadata"]["name"] == "tre-orchestrator"


def test_the_server_refuses_an_unhardened_pod_in_the_same_namespace(
    kube: Any, restricted_namespace: str
) -> None:
    namespace = restricted_namespace
    core = kubernetes.client.CoreV1Api(kube.api_client())
    pod = kubernetes.client.V1Pod(
        metadata={"name": "unhardened"},
        spec={"containers": [{"name": "c", "image": "busybox"}]},
    )
    with pytest.raises(kubernetes.client.ApiException) as refused:
        core.create_namespaced_pod(namespace, pod)
    assert refused.value.status == 403
    assert "violates PodSecurity" in refused.value.body


def test_upgrades_apply_changed_values_and_refuse_unsafe_ones_without_touching_the_release(
    kube: Any, restricted_namespace: str
) -> None:
    namespace = restricted_namespace
    install = ["--namespace", namespace, "--values", str(MINIMAL_VALUES)]
    assert helm(kube, "install", RELEASE, str(CHART), *install).returncode == 0
    core = kubernetes.client.CoreV1Api(kube.api_client())
    apps = kubernetes.client.AppsV1Api(kube.api_client())

    def checksum() -> str:
        deployment = apps.read_namespaced_deployment("tre-airlock", namespace)
        return str(deployment.spec.template.metadata.annotations["checksum/config"])

    before = checksum()
    upgraded = helm(
        kube, "upgrade", RELEASE, str(CHART), *install, "--set", "airlock.requiredApprovals=1"
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "WARNING: airlock.requiredApprovals is 1" in upgraded.stdout
    config = core.read_namespaced_config_map("tre-airlock", namespace).data
    assert config["TRE_AIRLOCK_REVIEW__REQUIRED_APPROVALS"] == "1"
    assert checksum() != before, "changed settings must roll the airlock pods"

    refused = helm(
        kube, "upgrade", RELEASE, str(CHART), *install, "--set", "airlock.requiredApprovals=0"
    )
    assert refused.returncode != 0
    assert "airlock.requiredApprovals is 0" in refused.stderr
    config = core.read_namespaced_config_map("tre-airlock", namespace).data
    assert config["TRE_AIRLOCK_REVIEW__REQUIRED_APPROVALS"] == "1"
    history = helm(kube, "history", RELEASE, "--namespace", namespace, "--output", "json")
    assert [entry["status"] for entry in json.loads(history.stdout)] == ["superseded", "deployed"]
