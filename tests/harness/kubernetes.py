"""Harness fixtures: a real Kubernetes control plane with kwok nodes.

``kube`` (session): etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
kwok on 127.0.0.1, started once per session on first use. ``kube_namespace``
(function): a fresh namespace per test whose ``default`` ServiceAccount exists, deleted
afterwards. Launch logic lives in :mod:`orchestrator.embedded.kubernetes`.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from orchestrator.embedded.kubernetes import ControlPlane, start_control_plane


@dataclass
class Kube:
    """The running control plane, as tests use it."""

    plane: ControlPlane
    scratch: Path

    @property
    def api_url(self) -> str:
        return self.plane.api_url

    @property
    def ca_file(self) -> Path:
        return self.plane.ca_file

    @property
    def admin_token(self) -> str:
        return self.plane.admin_token

    @property
    def kubeconfig(self) -> Path:
        """An admin kubeconfig (the token is in ``system:masters``)."""
        return self.plane.kubeconfig

    @property
    def pod_subnet(self) -> str:
        """The first three octets of the loopback /24 kwok gives pod addresses from."""
        return self.plane.pod_subnet

    def kubeconfig_for(self, namespace: str, service_account: str) -> Path:
        """A kubeconfig holding a real token of the ServiceAccount (TokenRequest API)."""
        path = self.scratch / f"{namespace}.{service_account}.{secrets.token_hex(4)}.kubeconfig"
        return self.plane.kubeconfig_for(namespace, service_account, path)

    def env(self) -> dict[str, str]:
        """Environment for a child process that should talk to this cluster as admin."""
        return {"KUBECONFIG": str(self.kubeconfig)}

    def api_client(self, kubeconfig: Path | None = None) -> kubernetes.client.ApiClient:
        """A ``kubernetes`` client (admin unless another kubeconfig is given)."""
        return kubernetes.config.new_client_from_config(
            config_file=str(kubeconfig or self.kubeconfig)
        )

    def http(self, token: str | None = None) -> Any:
        """An ``httpx.Client`` for raw API calls (admin unless a token is given)."""
        return self.plane.http(token)

    def helm(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run the pinned helm against this cluster as admin, with its state kept in scratch."""
        home = self.scratch / "helm"
        env = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }
        return subprocess.run(
            [str(self.plane.binaries.path("helm")), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def create_namespace(
        self, name: str, labels: dict[str, str] | None = None, timeout: float = 30.0
    ) -> str:
        """Create a namespace and wait until its ``default`` ServiceAccount exists."""
        body = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": labels or {}},
        }
        with self.http() as client:
            response = client.post("/api/v1/namespaces", json=body)
            assert response.status_code == 201, (
                f"could not create namespace {name}: {response.text}"
            )
            deadline = time.monotonic() + timeout
            while (
                client.get(f"/api/v1/namespaces/{name}/serviceaccounts/default").status_code != 200
            ):
                assert time.monotonic() < deadline, (
                    f"namespace {name} got no default ServiceAccount in {timeout} s"
                )
                time.sleep(0.05)
        return name

    def delete_namespace(self, name: str) -> None:
        """Ask for the namespace's deletion (does not wait for it to be gone)."""
        with self.http() as client:
            client.delete(f"/api/v1/namespaces/{name}")


def unique_name(hint: str, limit: int = 40) -> str:
    """A DNS-label name from ``hint`` with a random suffix, unique per call."""
    base = re.sub(r"[^a-z0-9-]+", "-", hint.lower()).strip("-")[: limit - 7].strip("-") or "ns"
    return f"{base}-{secrets.token_hex(3)}"


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kube]:
    workdir = tmp_path_factory.mktemp("kubernetes")
    plane = start_control_plane(workdir)
    try:
        yield Kube(plane=plane, scratch=tmp_path_factory.mktemp("kube-scratch"))
    finally:
        plane.stop()


@pytest.fixture
def kube_namespace(kube: Kube, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace for this test, deleted when it ends."""
    name = kube.create_namespace(unique_name(request.node.name.removeprefix("test_")))
    try:
        yield name
    finally:
        kube.delete_namespace(name)
