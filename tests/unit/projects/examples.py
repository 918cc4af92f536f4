"""Example specs and a platform, shared by the project tests (plain data, no I/O)."""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import ProjectSpec, parse_project

# The outline from docs/operator-guide.md "Declare a project", as the API stores it.
DOCS_EXAMPLE: dict[str, Any] = {
    "displayName": "Diabetes cohort",
    "tier": 3,
    "members": [
        {"username": "alice", "roles": ["researcher"]},
        {"username": "rita", "roles": ["reviewer"]},
        {"username": "ravi", "roles": ["reviewer", "project_admin"]},
    ],
    "datasets": [{"name": "cohort", "bucket": "nhs-cohort", "prefix": "2024/"}],
    "computeProfiles": [
        {"name": "small", "displayName": "Small", "cpu": "1", "memory": "2Gi", "default": True}
    ],
    "storageQuota": "100Gi",
    "expiresAt": "2027-03-31T00:00:00Z",
    "export": {"ruleSet": "default", "approvalsRequired": 2},
    "images": ["ghcr.io/tre-orchestrator/workspace:0.1.0"],
    "network": {"dns": "cluster"},
}

PLATFORM = Platform(
    s3_url="https://s3.example.org",
    s3_cidr="10.0.5.0/24",
    vault_url="https://vault.example.org",
    vault_cidr="10.0.6.0/24",
    kube_api_cidr="10.0.0.1/32",
    kube_api_port=6443,
    airlock_namespace="tre-system",
    airlock_port=8000,
    airlock_url="http://tre-airlock.tre-system.svc:80",
    hub_image="ghcr.io/tre-orchestrator/hub:0.1.0",
    allowed_registries=("ghcr.io/tre-orchestrator",),
    platform_buckets=("tre-airlock-quarantine", "tre-airlock-release", "tre-archive"),
    operator_namespace="tre-system",
    operator_service_account="tre-operator",
    operator_project_role="tre-operator-project",
    proxy_image="quay.io/jupyterhub/configurable-http-proxy:4.6.2",
)


def example(**changes: Any) -> dict[str, Any]:
    """The docs example with top-level fields replaced (``None`` removes one)."""
    spec = {**DOCS_EXAMPLE, **changes}
    return {k: v for k, v in spec.items() if v is not None}


def spec(**changes: Any) -> ProjectSpec:
    return parse_project("diabetes", example(**changes))


GPU_PROFILES = [
    {"name": "small", "displayName": "Small", "cpu": "1", "memory": "2Gi"},
    {"name": "gpu", "displayName": "GPU", "cpu": "4", "memory": "16Gi", "gpu": 1, "default": True},
]
