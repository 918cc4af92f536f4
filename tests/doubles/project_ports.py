"""In-memory stand-ins for the project use cases' ports, one behaviour each.

``MemoryCluster`` keeps manifests and writes only what differs; ``MemoryVault`` and
``MemoryStore`` keep policies, roles, secrets, buckets and identities in dicts.
``DownVault`` is a Vault that cannot be reached. Every double counts its writes.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.platform import Platform
from orchestrator.services.projects.ports import KeyPair, ProjectPorts

PLATFORM = Platform(
    s3_url="http://storage.test:8333",
    s3_cidr="10.1.0.0/24",
    vault_url="http://vault.test:8200",
    vault_cidr="10.2.0.0/24",
    kube_api_cidr="10.3.0.1/32",
    kube_api_port=6443,
    airlock_namespace="tre-system",
    airlock_port=8900,
    airlock_url="http://tre-airlock.tre-system.svc:8900",
    hub_image="quay.io/jupyterhub/k8s-hub:4.2.0",
    proxy_image="quay.io/jupyterhub/configurable-http-proxy:4.6.3",
)


class VaultDown(Exception):
    """What an unreachable Vault raises in these doubles."""


Key = tuple[str, str, str | None, str]


@dataclass
class MemoryCluster:
    """Objects by (apiVersion, kind, namespace, name); the hub is available once applied."""

    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    writes: int = 0

    @staticmethod
    def key(manifest: Mapping[str, Any]) -> Key:
        meta = manifest["metadata"]
        return (manifest["apiVersion"], manifest["kind"], meta.get("namespace"), meta["name"])

    def apply(self, manifest: Mapping[str, Any]) -> bool:
        key = self.key(manifest)
        live = self.objects.get(key)
        wanted = copy.deepcopy(dict(manifest))
        if live is not None and {k: v for k, v in live.items() if k != "status"} == wanted:
            return False
        if manifest["kind"] == "Deployment":
            wanted["status"] = {"availableReplicas": manifest["spec"]["replicas"]}
        self.objects[key] = wanted
        self.writes += 1
        return True

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        return self.objects.get((api_version, kind, namespace, name))

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        if self.objects.pop((api_version, kind, namespace, name), None) is None:
            return False
        self.writes += 1
        if kind == "Namespace":
            for key in [k for k in self.objects if k[2] == name]:
                del self.objects[key]
        return True

    def list_names(
        self, api_version: str, kind: str, namespace: str, labels: Mapping[str, str]
    ) -> list[str]:
        return [
            key[3]
            for key, obj in self.objects.items()
            if key[:3] == (api_version, kind, namespace)
            and labels.items() <= obj["metadata"].get("labels", {}).items()
        ]


@dataclass
class MemoryVault:
    policies: dict[str, str] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    logins: dict[str, int] = field(default_factory=dict)
    """Live tokens per role."""
    writes: int = 0

    def ensure_policy(self, name: str, hcl: str) -> bool:
        if self.policies.get(name) == hcl:
            return False
        self.policies[name] = hcl
        self.writes += 1
        return True

    def ensure_role(self, name: str, body: Mapping[str, Any]) -> bool:
        if self.roles.get(name) == dict(body):
            return False
        self.roles[name] = dict(body)
        self.writes += 1
        return True

    def read_secret(self, path: str) -> dict[str, str] | None:
        return self.secrets.get(path)

    def write_secret(self, path: str, data: Mapping[str, str]) -> None:
        self.secrets[path] = dict(data)
        self.writes += 1

    def revoke_logins(self, role: str) -> int:
        revoked = self.logins.pop(role, 0)
        self.writes += int(revoked > 0)
        return revoked

    def delete_role(self, name: str) -> bool:
        return self._drop(self.roles, name)

    def delete_policy(self, name: str) -> bool:
        return self._drop(self.policies, name)

    def delete_secret(self, path: str) -> bool:
        return self._drop(self.secrets, path)

    def _drop(self, table: dict[str, Any], key: str) -> bool:
        if table.pop(key, None) is None:
            return False
        self.writes += 1
        return True


class DownVault(MemoryVault):
    """A Vault that cannot be reached: every call raises :class:`VaultDown`."""

    def __getattribute__(self, name: str) -> Any:
        if name in {"writes", "__class__", "__dict__"}:
            return object.__getattribute__(self, name)
        raise VaultDown("connection refused: http://vault.test:8200")


@dataclass
class MemoryStore:
    buckets: dict[str, dict[str, bytes]] = field(default_factory=dict)
    identities: dict[str, dict[str, Any]] = field(default_factory=dict)
    """user -> {"policy": ..., "keys": {access: secret}}"""
    writes: int = 0
    _serial: itertools.count[int] = field(default_factory=itertools.count)

    def ensure_bucket(self, bucket: str) -> bool:
        if bucket in self.buckets:
            return False
        self.buckets[bucket] = {}
        self.writes += 1
        return True

    def ensure_identity(self, user: str, policy: Mapping[str, Any]) -> bool:
        identity = self.identities.setdefault(user, {"policy": None, "keys": {}})
        if identity["policy"] == dict(policy):
            return False
        identity["policy"] = dict(policy)
        self.writes += 1
        return True

    def access_keys(self, user: str) -> list[str]:
        return list(self.identities.get(user, {}).get("keys", {}))

    def create_access_key(self, user: str) -> KeyPair:
        pair = KeyPair(f"AK{next(self._serial)}", "secret")
        self.identities[user]["keys"][pair.access_key] = pair.secret_key
        self.writes += 1
        return pair

    def delete_access_key(self, user: str, access_key: str) -> None:
        del self.identities[user]["keys"][access_key]
        self.writes += 1

    def delete_identity(self, user: str) -> bool:
        if self.identities.pop(user, None) is None:
            return False
        self.writes += 1
        return True

    def retire_bucket(self, bucket: str, retention: str) -> bool:
        if retention == "keep" or bucket not in self.buckets:
            return False
        objects = self.buckets.pop(bucket)
        if retention == "archive":
            archive = self.buckets.setdefault("tre-archive", {})
            archive.update({f"{bucket}/{key}": data for key, data in objects.items()})
        self.writes += 1
        return True


def make_ports(
    cluster: MemoryCluster | None = None,
    vault: MemoryVault | None = None,
    storage: MemoryStore | None = None,
) -> ProjectPorts:
    return ProjectPorts(
        objects=cluster or MemoryCluster(),
        vault=vault or MemoryVault(),
        storage=storage or MemoryStore(),
        platform=PLATFORM,
        unavailable=((VaultDown, "VaultUnavailable"),),
    )


def hub_key(project: str) -> Key:
    return ("apps/v1", "Deployment", naming.namespace_name(project), naming.HUB_NAME)
