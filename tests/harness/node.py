"""Harness fixtures: a control plane with one real node that runs containers.

``real_node`` (session): its own etcd, API server, controller manager and scheduler (no
kwok) plus containerd, the kubelet, kube-router's NetworkPolicy firewall and CoreDNS,
with the images ``.ci/build-images.sh`` built loaded into containerd. Launch logic lives
in :mod:`orchestrator.embedded.node`. Tests give each of their pods a namespace of their
own (:meth:`RealNode.namespace`) and use the helpers below to run and read pods.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestrator.embedded.kubernetes import ControlPlane, start_control_plane
from orchestrator.embedded.node import Node, new_identity, start_node
from tests.harness.kubernetes import Kube, unique_name

RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""A container security context the ``restricted`` Pod Security Standard accepts."""


@dataclass
class RealNode:
    """The control plane and its real node, as tests use them."""

    kube: Kube
    node: Node

    @property
    def plane(self) -> ControlPlane:
        return self.kube.plane

    @property
    def address(self) -> str:
        """The node's address: the pods' gateway and their DNS server."""
        return self.node.address

    def image(self, name: str) -> str:
        return self.node.image(name)

    def namespace(self, hint: str, labels: dict[str, str] | None = None) -> str:
        """A fresh namespace; it lives as long as this session's control plane."""
        return self.kube.create_namespace(unique_name(hint), labels)

    def test_pod(
        self,
        namespace: str,
        name: str,
        script: str,
        labels: dict[str, str] | None = None,
        restart: str = "Never",
    ) -> dict[str, Any]:
        """A pod of the test image running ``script`` with busybox ``sh`` as user 65534."""
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
            "spec": {
                "restartPolicy": restart,
                "terminationGracePeriodSeconds": 0,
                "automountServiceAccountToken": False,
                "securityContext": {"runAsUser": 65534, "runAsGroup": 65534},
                "containers": [
                    {
                        "name": "main",
                        "image": self.image("test"),
                        "imagePullPolicy": "Never",
                        "args": ["sh", "-c", script],
                        "securityContext": RESTRICTED,
                    }
                ],
            },
        }

    def create(self, pod: dict[str, Any]) -> None:
        namespace = pod["metadata"]["namespace"]
        with self.kube.http() as client:
            response = client.post(f"/api/v1/namespaces/{namespace}/pods", json=pod)
        assert response.status_code == 201, response.text

    def pod(self, namespace: str, name: str) -> dict[str, Any]:
        with self.kube.http() as client:
            response = client.get(f"/api/v1/namespaces/{namespace}/pods/{name}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def wait_phase(
        self, namespace: str, name: str, phases: set[str], timeout: float = 90.0
    ) -> dict[str, Any]:
        """Wait until the pod is in one of ``phases`` (and, for Running, ready)."""
        deadline = time.monotonic() + timeout
        pod = self.pod(namespace, name)
        while time.monotonic() < deadline:
            pod = self.pod(namespace, name)
            status = pod.get("status", {})
            phase = status.get("phase")
            ready = all(c.get("ready") for c in status.get("containerStatuses") or [{}])
            if phase in phases and (phase != "Running" or ready):
                return pod
            time.sleep(0.3)
        raise AssertionError(
            f"pod {namespace}/{name} not {sorted(phases)} in {timeout:.0f} s: {pod.get('status')}"
        )

    def logs(self, namespace: str, name: str) -> str:
        """The pod's logs, read through the API server (which asks the kubelet)."""
        with self.kube.http() as client:
            response = client.get(f"/api/v1/namespaces/{namespace}/pods/{name}/log")
        assert response.status_code == 200, response.text
        text: str = response.text
        return text

    def run(
        self, namespace: str, name: str, script: str, labels: dict[str, str] | None = None
    ) -> str:
        """Run ``script`` in a pod to completion and return what it printed."""
        self.create(self.test_pod(namespace, name, script, labels))
        self.wait_phase(namespace, name, {"Succeeded", "Failed"})
        return self.logs(namespace, name)

    def pod_ip(self, namespace: str, name: str) -> str:
        ip: str = self.pod(namespace, name)["status"]["podIP"]
        return ip


@pytest.fixture(scope="session")
def real_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealNode]:
    identity = new_identity()
    plane = start_control_plane(
        tmp_path_factory.mktemp("real-node-plane"), nodes=0, kubelet=identity
    )
    try:
        node = start_node(plane, tmp_path_factory.mktemp("real-node"))
    except BaseException:
        plane.stop()
        raise
    real = RealNode(
        kube=Kube(plane=plane, scratch=Path(tmp_path_factory.mktemp("real-node-scratch"))),
        node=node,
    )
    try:
        yield real
    finally:
        try:
            node.stop()
        finally:
            plane.stop()
    # Teardown is part of what is tested: nothing of the run may stay on the host.
    assert node.leftovers() == []
