"""Creating, reading and waiting for ResearchProjects as a cluster administrator."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, KIND, PLURAL
from tests.harness.kubernetes import Kube

T = TypeVar("T")
BASE = f"/apis/{API_GROUP}/{API_VERSION}/{PLURAL}"
HUB_DATA_SIZE = "1Gi"


def make_spec(**overrides: Any) -> dict[str, Any]:
    """A small valid spec; keyword arguments replace top-level fields."""
    spec: dict[str, Any] = {
        "displayName": "Controller test",
        "tier": 2,
        "members": [
            {"username": "alice", "roles": ["researcher"]},
            {"username": "bob", "roles": ["reviewer"]},
        ],
        "computeProfiles": [
            {"name": "small", "displayName": "Small", "cpu": "500m", "memory": "1Gi"}
        ],
        "storageQuota": "20Gi",
        "images": [f"quay.io/jupyter/minimal-notebook:2025-01-20@sha256:{'0' * 64}"],
    }
    spec.update(overrides)
    return spec


def project_name(hint: str = "p") -> str:
    return f"{hint}-{secrets.token_hex(3)}"


class Projects:
    """ResearchProjects of one test; :meth:`delete_all` removes whatever is left."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self.created: list[str] = []

    @staticmethod
    def wait_for(
        condition: Callable[[], T], what: str, timeout: float = 60.0, every: float = 0.25
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(every)

    def create(self, name: str, spec: dict[str, Any], *, volume: bool = True) -> dict[str, Any]:
        """Create the project (and a volume for its hub's claim, as a provisioner would)."""
        if volume:
            self.provide_hub_volume(name)
        body = {
            "apiVersion": f"{API_GROUP}/{API_VERSION}",
            "kind": KIND,
            "metadata": {"name": name},
            "spec": spec,
        }
        with self.kube.http() as client:
            response = client.post(BASE, json=body)
        assert response.status_code == 201, response.text
        self.created.append(name)
        created: dict[str, Any] = response.json()
        return created

    def provide_hub_volume(self, name: str) -> None:
        """A PersistentVolume pre-bound to the hub's claim (the harness has no provisioner)."""
        self.provide_volume(name, naming.HUB_DATA_CLAIM, f"hub-data-{name}")

    def provide_volume(self, name: str, claim: str, volume_name: str) -> None:
        """A PersistentVolume pre-bound to ``claim`` in the project's namespace."""
        volume = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": volume_name, "labels": {"test-project": name}},
            "spec": {
                "capacity": {"storage": HUB_DATA_SIZE},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Delete",
                "hostPath": {"path": f"/tmp/tre-hub-data/{volume_name}"},
                "claimRef": {"namespace": naming.namespace_name(name), "name": claim},
            },
        }
        with self.kube.http() as client:
            response = client.post("/api/v1/persistentvolumes", json=volume)
        assert response.status_code in (201, 409), response.text

    def get(self, name: str) -> dict[str, Any] | None:
        with self.kube.http() as client:
            response = client.get(f"{BASE}/{name}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def status(self, name: str) -> dict[str, Any]:
        status: dict[str, Any] = (self.get(name) or {}).get("status") or {}
        return status

    def condition(self, name: str, kind: str) -> dict[str, Any]:
        for condition in self.status(name).get("conditions") or []:
            if condition["type"] == kind:
                found: dict[str, Any] = condition
                return found
        return {}

    def wait_for_phase(self, name: str, phase: str, timeout: float = 90.0) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            status = self.status(name)
            return status if status.get("phase") == phase else None

        try:
            return self.wait_for(reached, f"project {name} to be {phase}", timeout)
        except pytest.fail.Exception as exc:
            raise AssertionError(f"{exc}; last status: {self.status(name)}") from None

    def patch_spec(self, name: str, spec: dict[str, Any]) -> None:
        with self.kube.http() as client:
            response = client.patch(
                f"{BASE}/{name}",
                json={"spec": spec},
                headers={"Content-Type": "application/merge-patch+json"},
            )
        assert response.status_code == 200, response.text

    def delete(self, name: str) -> None:
        with self.kube.http() as client:
            response = client.delete(f"{BASE}/{name}")
        assert response.status_code in (200, 202, 404), response.text

    def wait_gone(self, name: str, timeout: float = 60.0) -> None:
        self.wait_for(lambda: self.get(name) is None, f"project {name} to be gone", timeout)

    def delete_all(self, timeout: float = 30.0) -> None:
        """Delete every project this test made; strip finalizers no operator is left to clear."""
        for name in self.created:
            self.delete(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(self.get(n) for n in self.created):
            time.sleep(0.5)
        with self.kube.http() as client:
            for name in self.created:
                if self.get(name) is not None:
                    client.patch(
                        f"{BASE}/{name}",
                        json={"metadata": {"finalizers": None}},
                        headers={"Content-Type": "application/merge-patch+json"},
                    )
                client.delete(f"/api/v1/namespaces/{naming.namespace_name(name)}")
                client.delete(f"/api/v1/persistentvolumes/hub-data-{name}")
