"""The platform settings project builders depend on (from the operator's ``TRE_OPERATOR_*``).

The operator's settings (an adapter concern) are mapped onto this one frozen dataclass,
so the builders stay pure and are tested with a literal :class:`Platform`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """Where the platform's shared services are, and how projects reach them."""

    s3_url: str
    """Object storage endpoint workspaces use (``TRE_OPERATOR_S3_URL``)."""
    s3_cidr: str
    """Address range of object storage; empty means no egress rule (``TRE_OPERATOR_S3_CIDR``)."""
    vault_url: str
    """Vault address workspaces log in to (``TRE_OPERATOR_VAULT_URL``)."""
    vault_cidr: str
    """Address range of Vault; empty means no egress rule (``TRE_OPERATOR_VAULT_CIDR``)."""
    kube_api_cidr: str
    """Address range of the Kubernetes API server, which the hub's spawner calls; empty
    means no egress rule (``TRE_OPERATOR_KUBE_API_CIDR``)."""
    kube_api_port: int
    """Port of the Kubernetes API server as seen from pods (``TRE_OPERATOR_KUBE_API_PORT``)."""
    airlock_namespace: str
    """Namespace of the airlock, which user servers may reach (``TRE_OPERATOR_AIRLOCK_NAMESPACE``)."""
    airlock_port: int
    """The airlock pods' port (``TRE_OPERATOR_AIRLOCK_PORT``)."""
    airlock_url: str
    """The airlock's in-cluster URL, registered as a hub service (``TRE_OPERATOR_AIRLOCK_URL``)."""
    hub_image: str
    """Image of the per-project JupyterHub, with KubeSpawner (``TRE_OPERATOR_HUB_IMAGE``)."""
    proxy_image: str
    """Image of configurable-http-proxy (``TRE_OPERATOR_PROXY_IMAGE``)."""
    allowed_registries: tuple[str, ...] = ()
    """Registries (hosts or host/path prefixes) project images may come from; none when
    empty (``TRE_OPERATOR_ALLOWED_REGISTRIES``)."""
    platform_buckets: tuple[str, ...] = ()
    """The platform's own buckets, which no dataset may name (``TRE_OPERATOR_PLATFORM_BUCKETS``
    and the archive)."""
    operator_namespace: str = ""
    """Namespace of the controller's own ServiceAccount (``TRE_OPERATOR_NAMESPACE``)."""
    operator_service_account: str = ""
    """The controller's ServiceAccount, which each project namespace's
    ``tre-orchestrator`` RoleBinding grants :attr:`operator_project_role` to
    (``TRE_OPERATOR_SERVICE_ACCOUNT``)."""
    operator_project_role: str = ""
    """The ClusterRole holding the controller's rights inside a project namespace; bound
    there, never cluster-wide (``TRE_OPERATOR_PROJECT_ROLE``)."""
    dns_namespace: str = "kube-system"
    """Namespace of the cluster resolver, the only DNS workspaces may use."""
    dns_selector: tuple[tuple[str, str], ...] = (("k8s-app", "kube-dns"),)
    """Pod labels of the cluster resolver."""
    vault_kubernetes_mount: str = "kubernetes"
    """Mount path of Vault's Kubernetes auth method."""
    vault_kv_mount: str = "tre"
    """Mount path of the KV v2 engine holding project secrets."""
    vault_audience: str = "vault"
    """Audience of the projected token workspaces log in to Vault with."""
    credential_ttl_seconds: int = 3600
    """Lifetime of Vault tokens and projected tokens issued to workspaces."""
    storage_session_seconds: int = 8 * 3600
    """Lifetime of the personal storage key issued for each workspace session; the store
    refuses the key after it (``TRE_OPERATOR_STORAGE_SESSION_HOURS``)."""
    workspace_cidr: str = ""
    """Address range of project pods; when set, storage keys are refused from anywhere
    else (``TRE_OPERATOR_WORKSPACE_CIDR``)."""
    home_storage_class: str = ""
    """StorageClass of home volumes; empty means the cluster default."""
    home_size: str = "10Gi"
    """Size of each member's home volume (counted against the project's storage quota)."""
