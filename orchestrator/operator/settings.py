"""Configuration of the project controller, read from ``TRE_OPERATOR_*`` environment variables.

The chart's operator ConfigMap and Secrets set every one of these (see
``helm/tre-orchestrator/templates/operator/``). Values without a default are required:
the controller refuses to start without them and says which one is missing. Secrets are
``SecretStr`` and never logged. ``docs/reference/configuration.md`` is generated from here.
"""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orchestrator.domain.projects.platform import Platform

# Pods are probed and scraped on their own address, so the servers listen on all of them.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


class OperatorSettings(BaseSettings):
    """Everything the project controller reads at start."""

    model_config = SettingsConfigDict(
        env_prefix="TRE_OPERATOR_",
        extra="forbid",
        use_attribute_docstrings=True,
        frozen=True,
    )

    vault_url: str
    """Vault/OpenBao address, e.g. ``http://openbao.vault.svc:8200``; workspaces log in here too."""
    vault_token: SecretStr
    """Token the controller manages project policies, roles and secrets with."""
    vault_kubernetes_host: str
    """Kubernetes API address Vault calls to review workspace tokens (its Kubernetes auth method)."""
    vault_kubernetes_ca_file: Path | None = None
    """CA certificate of that API server, handed to Vault; unset: Vault's own trust store."""
    vault_reviewer_token_file: Path | None = None
    """Token Vault reviews workspace tokens with (the controller's own, a
    ``system:auth-delegator``); unset: Vault uses each workspace's own token."""
    s3_url: str
    """Object storage endpoint, e.g. ``http://seaweedfs.storage.svc:8333``."""
    s3_access_key: str
    """Access key of the controller's storage identity, which creates buckets and identities."""
    s3_secret_key: SecretStr
    """Secret key of the controller's storage identity."""
    s3_cidr: str = ""
    """Address range of object storage that enclaves may reach; empty: no egress rule."""
    vault_cidr: str = ""
    """Address range of Vault that enclaves may reach; empty: no egress rule."""
    kube_api_cidr: str = ""
    """Address range of the Kubernetes API server, which each project's hub calls; empty: no egress rule."""
    kube_api_port: int = Field(default=443, ge=1, le=65535)
    """Port of the Kubernetes API server as pods see it."""
    airlock_namespace: str
    """Namespace of the airlock, the one service outside the enclave user servers may reach."""
    airlock_port: int = Field(ge=1, le=65535)
    """Port the airlock pods listen on (for the enclave's egress rule)."""
    airlock_url: str
    """The airlock's in-cluster URL, registered as a service in each project's hub."""
    hub_image: str
    """Image of the per-project JupyterHub (with KubeSpawner)."""
    proxy_image: str
    """Image of configurable-http-proxy, in front of each project's hub."""
    peering: str = "tre-orchestrator"
    """Name of the ClusterKopfPeering the controller's replicas elect the acting one through."""
    priority: int | None = None
    """Peering priority of this replica: only the highest-priority replica acts, the others
    wait. Unset: a random one at start, so replicas of one Deployment never tie (kopf lets
    replicas of equal priority all act) and, if the acting one stops, another takes over."""
    pod_name: str = ""
    """This replica's pod name, its identity among peers; empty: a generated one."""
    resync_seconds: float = Field(default=60.0, ge=1.0, le=86400.0)
    """Every project is checked against its desired state this often, even when nothing
    changed: hand edits (drift) are undone and expiry dates take effect within one period."""
    workers: int = Field(default=16, ge=1, le=256)
    """Projects reconciled at the same time (threads calling Kubernetes, Vault and storage)."""
    metrics_host: str = "127.0.0.1"
    """Address the Prometheus metrics server binds to."""
    metrics_port: int = Field(default=9090, ge=0, le=65535)
    """Port of the Prometheus metrics server (``/metrics``); 0: no metrics server."""
    health_host: str = ALL_INTERFACES
    """Address the liveness endpoint binds to."""
    health_port: int = Field(default=8080, ge=0, le=65535)
    """Port of the liveness endpoint (``/healthz``); 0: no endpoint."""

    @field_validator("s3_cidr", "vault_cidr", "kube_api_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        if value:
            try:
                ip_network(value, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"{value!r} is not an address range; write e.g. 10.96.0.0/12, or leave it empty"
                ) from exc
        return value


def make_platform(settings: OperatorSettings) -> Platform:
    """The platform settings the project builders depend on, from the controller's settings."""
    return Platform(
        s3_url=settings.s3_url,
        s3_cidr=settings.s3_cidr,
        vault_url=settings.vault_url,
        vault_cidr=settings.vault_cidr,
        kube_api_cidr=settings.kube_api_cidr,
        kube_api_port=settings.kube_api_port,
        airlock_namespace=settings.airlock_namespace,
        airlock_port=settings.airlock_port,
        airlock_url=settings.airlock_url,
        hub_image=settings.hub_image,
        proxy_image=settings.proxy_image,
    )
