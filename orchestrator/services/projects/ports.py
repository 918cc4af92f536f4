"""What the project use cases need from Kubernetes, Vault and object storage.

The adapters in ``orchestrator.adapters`` implement these; the use cases only see the
protocols, so a test can hand them a named double with one behaviour. Each port raises
the adapter's ``*Unavailable`` error when its system cannot be reached or answers with
a server error: the use cases turn that into a condition and a retry, never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from orchestrator.domain.projects.platform import Platform


class ClusterObjects(Protocol):
    """Objects in the Kubernetes API, addressed by kind, namespace and name
    (:class:`~orchestrator.adapters.kubernetes_objects.KubernetesObjects`)."""

    def apply(self, manifest: dict[str, Any]) -> str:
        """Make the live object match; "created", "updated" or "unchanged" (no write)."""
        ...

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The live object, or None when there is none."""
        ...

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete the object; False when it was already gone."""
        ...

    def list_names(self, kind: str, namespace: str | None, label_selector: str) -> list[str]:
        """Names of the objects of ``kind`` matching ``label_selector`` (empty: all)."""
        ...

    def wait_for_access(self, namespace: str, timeout: float = 10.0) -> None:
        """Return once a RoleBinding granting us rights in ``namespace`` has taken effect."""
        ...


class ProjectVault(Protocol):
    """A project's policy, login role and KV secret
    (:class:`~orchestrator.adapters.vault_projects.VaultProjects`)."""

    def ensure_policy(self, name: str, hcl: str) -> bool:
        """Create or update the policy; True if it wrote."""
        ...

    def ensure_role(
        self,
        role: str,
        *,
        service_account: str,
        namespace: str,
        policies: list[str],
        ttl_seconds: int,
        audience: str | None,
        max_ttl_seconds: int | None = None,
        no_default_policy: bool = False,
    ) -> bool:
        """Create or update the Kubernetes login role; True if it wrote."""
        ...

    def read_secret(self, path: str) -> dict[str, str] | None:
        """The KV secret at ``path``, or None."""
        ...

    def put_secret(self, path: str, data: dict[str, str]) -> bool:
        """Write the KV secret unless it already holds ``data``; True if it wrote."""
        ...

    def revoke_project_logins(self, role: str) -> int:
        """Revoke every token issued through ``role``; how many were revoked."""
        ...

    def remove_project(self, policy: str, role: str, secret_path: str) -> None:
        """Remove role, policy, live logins and secret (what is gone already is skipped)."""
        ...


class SessionKey(Protocol):
    """A storage key the store refuses after ``expires_at``; the secret only at creation."""

    @property
    def access_key(self) -> str: ...

    @property
    def secret_key(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...


class ProjectStore(Protocol):
    """A project's buckets and storage identity
    (:class:`~orchestrator.adapters.project_storage.ProjectStorage`)."""

    def ensure_buckets(self, names: list[str]) -> list[str]:
        """Create the missing buckets; those it created."""
        ...

    def revoke_identity(self, user: str) -> None:
        """Delete the identity and its keys (a missing one is not an error)."""
        ...

    def ensure_member_identity(self, user: str, policy_document: dict[str, Any]) -> bool:
        """Make the identity exist with that policy and no keys of its own; True if it wrote."""
        ...

    def issue_session_key(self, user: str, session: str, expires_at: datetime) -> SessionKey:
        """A new key under ``user`` for ``session``, refused by the store after ``expires_at``."""
        ...

    def list_sessions(self, user: str) -> list[str]:
        """The sessions ``user`` holds keys for (expired ones included)."""
        ...

    def end_session(self, user: str, session: str) -> int:
        """Delete the keys of ``session`` under ``user``; how many."""
        ...

    def list_identities(self) -> list[str]:
        """Every identity of the store."""
        ...

    def retire_buckets(self, names: list[str], retention: Any, archive_bucket: str) -> list[str]:
        """keep, archive (into ``archive_bucket``) or delete the buckets; those removed."""
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
