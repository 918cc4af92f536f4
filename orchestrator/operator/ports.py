"""The project use cases' ports, built from the controller's settings."""

from __future__ import annotations

from pathlib import Path

from orchestrator.adapters.cluster_objects import ClusterObjects, KubernetesUnavailable
from orchestrator.adapters.project_store import ProjectStore, StorageUnavailable
from orchestrator.adapters.project_vault import ProjectVault, VaultUnavailable
from orchestrator.operator.settings import OperatorSettings, make_platform
from orchestrator.services.projects.ports import ProjectPorts


def _read(path: Path | None) -> str | None:
    return path.read_text().strip() if path is not None else None


def make_ports(settings: OperatorSettings, objects: ClusterObjects) -> ProjectPorts:
    """Kubernetes through ``objects``, Vault and storage as the settings say."""
    platform = make_platform(settings)

    def kubernetes_for_vault() -> tuple[str, str | None, str | None]:
        return (
            settings.vault_kubernetes_host,
            _read(settings.vault_kubernetes_ca_file),
            _read(settings.vault_reviewer_token_file),
        )

    return ProjectPorts(
        objects=objects,
        vault=ProjectVault(
            url=settings.vault_url,
            token=settings.vault_token.get_secret_value(),
            kv_mount=platform.vault_kv_mount,
            auth_mount=platform.vault_kubernetes_mount,
            kubernetes=kubernetes_for_vault,
        ),
        storage=ProjectStore(
            url=settings.s3_url,
            access_key=settings.s3_access_key.get_secret_value(),
            secret_key=settings.s3_secret_key.get_secret_value(),
        ),
        platform=platform,
        unavailable=(
            (KubernetesUnavailable, "KubernetesUnavailable"),
            (VaultUnavailable, "VaultUnavailable"),
            (StorageUnavailable, "StorageUnavailable"),
        ),
    )
