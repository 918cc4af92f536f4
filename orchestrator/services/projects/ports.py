"""What the project use cases need from Kubernetes, Vault and object storage.

The adapters in ``orchestrator.adapters`` implement these; the use cases only see the
protocols, so a test can hand them a named double with one behaviour. Each port raises
the adapter's ``*Unavailable`` error when its system cannot be reached or answers with
a server error: the use cases turn that into a condition and a retry, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from orchestrator.domain.projects.platform import Platform


class ClusterObjects(Protocol):
    """Objects in the Kubernetes API, addressed by apiVersion, kind, namespace and name."""

    def apply(self, manifest: Mapping[str, Any]) -> bool:
        """Make the live object match ``manifest`` (create or update); True if it wrote."""
        ...

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """The live object, or None when there is none."""
        ...

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete the object; True if there was one."""
        ...

    def list_names(
        self, api_version: str, kind: str, namespace: str, labels: Mapping[str, str]
    ) -> list[str]:
        """Names of the objects of ``kind`` in ``namespace`` carrying all ``labels``."""
        ...


class ProjectVault(Protocol):
    """Vault's view of a project: its policy, its Kubernetes login role, its KV secret."""

    def ensure_policy(self, name: str, hcl: str) -> bool:
        """Create or update the policy; True if it wrote."""
        ...

    def ensure_role(self, name: str, body: Mapping[str, Any]) -> bool:
        """Create or update the Kubernetes-auth role with ``body``; True if it wrote."""
        ...

    def read_secret(self, path: str) -> dict[str, str] | None:
        """The KV secret at ``path``, or None."""
        ...

    def write_secret(self, path: str, data: Mapping[str, str]) -> None:
        """Write the KV secret at ``path`` (a new version)."""
        ...

    def revoke_logins(self, role: str) -> int:
        """Revoke every token issued through ``role``; how many were revoked."""
        ...

    def delete_role(self, name: str) -> bool: ...

    def delete_policy(self, name: str) -> bool: ...

    def delete_secret(self, path: str) -> bool: ...


class AccessKey(Protocol):
    """A storage access key; the secret is only known when it is created."""

    @property
    def access_key(self) -> str: ...

    @property
    def secret_key(self) -> str: ...


@dataclass(frozen=True)
class KeyPair:
    """A plain :class:`AccessKey`."""

    access_key: str
    secret_key: str


class ProjectStore(Protocol):
    """Object storage: a project's buckets and its storage identity."""

    def ensure_bucket(self, bucket: str) -> bool:
        """Create the bucket if missing; True if it did."""
        ...

    def ensure_identity(self, user: str, policy: Mapping[str, Any]) -> bool:
        """Create the identity and set its bucket policy; True if it wrote."""
        ...

    def access_keys(self, user: str) -> list[str]:
        """The identity's access key ids (empty when it has none or does not exist)."""
        ...

    def create_access_key(self, user: str) -> AccessKey: ...

    def delete_access_key(self, user: str, access_key: str) -> None: ...

    def delete_identity(self, user: str) -> bool: ...

    def retire_bucket(self, bucket: str, retention: str) -> bool:
        """keep: leave it; archive: move its objects aside; delete: empty and remove it."""
        ...


@dataclass(frozen=True)
class ProjectPorts:
    """Everything a project use case talks to, plus the platform it builds for."""

    objects: ClusterObjects
    vault: ProjectVault
    storage: ProjectStore
    platform: Platform
    unavailable: Sequence[tuple[type[Exception], str]] = ()
    """Each adapter error that means "its system is down", with the condition reason
    (``VaultUnavailable``, ...) it stands for."""
