"""The project use cases' ports, built from the controller's settings."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import hvac
from minio import Minio

from orchestrator.adapters.kubernetes_objects import KubernetesObjects, KubernetesUnavailable
from orchestrator.adapters.project_storage import ProjectStorage, StorageUnavailable
from orchestrator.adapters.s3_identities import StorageIdentities
from orchestrator.adapters.vault_projects import VaultProjects, VaultUnavailable
from orchestrator.operator.settings import OperatorSettings, make_platform
from orchestrator.services.projects.ports import ProjectPorts

IDENTITY_TIMEOUT = 60.0
"""Seconds to wait for the store's identity API, which some stores (SeaweedFS) answer
slowly while they apply other identity changes one at a time."""


def make_vault(settings: OperatorSettings) -> VaultProjects:
    platform = make_platform(settings)
    client = hvac.Client(url=settings.vault_url, token=settings.vault_token.get_secret_value())
    return VaultProjects(
        client, kv_mount=platform.vault_kv_mount, kubernetes_mount=platform.vault_kubernetes_mount
    )


def make_storage(settings: OperatorSettings) -> ProjectStorage:
    parts = urlsplit(settings.s3_url)
    access_key = settings.s3_access_key.get_secret_value()
    secret_key = settings.s3_secret_key.get_secret_value()
    client = Minio(
        parts.netloc,
        access_key=access_key,
        secret_key=secret_key,
        secure=parts.scheme == "https",
        region="us-east-1",
    )
    identities = StorageIdentities(
        settings.s3_url,
        access_key,
        secret_key,
        timeout=IDENTITY_TIMEOUT,
        # One pooled client: a client per call would load the CA bundle every time.
        client=httpx.Client(),
    )
    return ProjectStorage(client, identities)


def make_ports(
    settings: OperatorSettings, objects: KubernetesObjects, vault: VaultProjects
) -> ProjectPorts:
    """Kubernetes through ``objects``, Vault through ``vault``, storage as the settings say."""
    return ProjectPorts(
        objects=objects,
        vault=vault,
        storage=make_storage(settings),
        platform=make_platform(settings),
        unavailable=(
            (KubernetesUnavailable, "KubernetesUnavailable"),
            (VaultUnavailable, "VaultUnavailable"),
            (StorageUnavailable, "StorageUnavailable"),
        ),
    )
