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
from datetime import datetime
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.platform import Platform
from orchestrator.services.projects.ports import ProjectPorts

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
    allowed_registries=("quay.io/jupyter", "ghcr.io/tre-orchestrator"),
    platform_buckets=("tre-airlock-quarantine", "tre-airlock-release", "tre-archive"),
    operator_namespace="tre-system",
    operator_service_account="tre-operator",
    operator_project_role="tre-operator-project",
    proxy_image="quay.io/jupyterhub/configurable-http-proxy:4.6.3",
)


@dataclass(frozen=True)
class SessionKeyPair:
    access_key: str
    secret_key: str
    expires_at: datetime


class VaultDown(Exception):
    """What an unreachable Vault raises in these doubles."""


Key = tuple[str, str | None, str]
"""(kind, namespace, name)"""


@dataclass
class MemoryCluster:
    """Objects by (kind, namespace, name); a Deployment is available once applied."""

    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    writes: int = 0

    @staticmethod
    def key(manifest: Mapping[str, Any]) -> Key:
        meta = manifest["metadata"]
        return (manifest["kind"], meta.get("namespace"), meta["name"])

    def apply(self, manifest: dict[str, Any]) -> str:
        key = self.key(manifest)
        live = self.objects.get(key)
        wanted = copy.deepcopy(manifest)
        if live is not None and {k: v for k, v in live.items() if k != "status"} == wanted:
            return "unchanged"
        if manifest["kind"] == "Deployment":
            wanted["status"] = {"availableReplicas": manifest["spec"]["replicas"]}
        self.objects[key] = wanted
        self.writes += 1
        return "created" if live is None else "updated"

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        return self.objects.get((kind, namespace, name))

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        if self.objects.pop((kind, namespace, name), None) is None:
            return False
        self.writes += 1
        if kind == "Namespace":
            for key in [k for k in self.objects if k[1] == name]:
                del self.objects[key]
        return True

    def wait_for_access(self, namespace: str, timeout: float = 10.0) -> None:
        """Rights take effect at once here."""

    def list_names(self, kind: str, namespace: str | None, label_selector: str) -> list[str]:
        labels = dict(pair.split("=", 1) for pair in label_selector.split(",") if pair)
        return [
            key[2]
            for key, obj in self.objects.items()
            if key[:2] == (kind, namespace)
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

    def ensure_role(self, role: str, **body: Any) -> bool:
        if self.roles.get(role) == body:
            return False
        self.roles[role] = body
        self.writes += 1
        return True

    def read_secret(self, path: str) -> dict[str, str] | None:
        return self.secrets.get(path)

    def put_secret(self, path: str, data: dict[str, str]) -> bool:
        if self.secrets.get(path) == data:
            return False
        self.secrets[path] = dict(data)
        self.writes += 1
        return True

    def revoke_project_logins(self, role: str) -> int:
        revoked = self.logins.pop(role, 0)
        self.writes += int(revoked > 0)
        return revoked

    def remove_project(self, policy: str, role: str, secret_path: str) -> None:
        self.roles.pop(role, None)
        self.policies.pop(policy, None)
        self.revoke_project_logins(role)
        self.secrets.pop(secret_path, None)
        self.writes += 1


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

    def ensure_buckets(self, names: list[str]) -> list[str]:
        created = [name for name in names if name not in self.buckets]
        for name in created:
            self.buckets[name] = {}
            self.writes += 1
        return created

    def ensure_member_identity(self, user: str, policy_document: dict[str, Any]) -> bool:
        identity = self.identities.setdefault(user, {"policy": None, "keys": {}})
        if identity["policy"] == policy_document:
            return False
        identity["policy"] = dict(policy_document)
        self.writes += 1
        return True

    def issue_session_key(self, user: str, session: str, expires_at: datetime) -> SessionKeyPair:
        key = SessionKeyPair(f"AK{next(self._serial)}", "secret", expires_at)
        self.identities[user]["keys"][key.access_key] = session
        self.writes += 1
        return key

    def list_sessions(self, user: str) -> list[str]:
        return sorted(set(self.identities.get(user, {}).get("keys", {}).values()))

    def end_session(self, user: str, session: str) -> int:
        keys = self.identities.get(user, {}).get("keys", {})
        ended = [k for k, s in keys.items() if s == session]
        for key in ended:
            del keys[key]
            self.writes += 1
        return len(ended)

    def list_identities(self) -> list[str]:
        return list(self.identities)

    def access_keys(self, user: str) -> list[str]:
        return list(self.identities.get(user, {}).get("keys", {}))

    def revoke_identity(self, user: str) -> None:
        if self.identities.pop(user, None) is not None:
            self.writes += 1

    def retire_buckets(self, names: list[str], retention: Any, archive_bucket: str) -> list[str]:
        if retention == "keep":
            return []
        removed = []
        for bucket in names:
            if bucket not in self.buckets:
                continue
            objects = self.buckets.pop(bucket)
            if retention == "archive":
                archive = self.buckets.setdefault(archive_bucket, {})
                archive.update({f"{bucket}/{key}": data for key, data in objects.items()})
            removed.append(bucket)
            self.writes += 1
        return removed


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
    return ("Deployment", naming.namespace_name(project), naming.HUB_NAME)
