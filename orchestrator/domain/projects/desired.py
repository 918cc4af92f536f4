"""Every object a project needs, computed from its spec: the controller's desired state."""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects.enclave import Enclave
from orchestrator.domain.projects.manifests.access import (
    make_access_objects,
    make_operator_binding,
)
from orchestrator.domain.projects.manifests.hub import (
    make_hub_config_map,
    make_hub_data_claim,
    make_hub_deployment,
    make_proxy_deployment,
    make_services,
)
from orchestrator.domain.projects.manifests.namespaces import make_namespace
from orchestrator.domain.projects.manifests.network_policies import make_network_policies
from orchestrator.domain.projects.manifests.quotas import make_limit_range, make_resource_quota
from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import ProjectSpec, parse_project


def desired_objects(
    spec: ProjectSpec, project: str, platform: Platform, *, suspended: bool
) -> list[dict[str, Any]]:
    """The project's manifests in apply order.

    The namespace comes first, then the controller's own RoleBinding in it (its rights
    there: nothing else can be written before), then its isolation (NetworkPolicies) and
    limits, so no pod
    ever runs unconfined; then identities and rights, then the hub's configuration,
    Services (before the Deployments, whose pods read the Services' environment
    variables) and Deployments. The hub/proxy Secret is not here: it holds a random
    token, see :func:`~orchestrator.domain.projects.manifests.hub.make_hub_secret`.
    """
    enclave = Enclave(project=project, spec=spec, platform=platform, suspended=suspended)
    return [
        make_namespace(enclave),
        make_operator_binding(enclave),
        *make_network_policies(enclave),
        make_resource_quota(enclave),
        make_limit_range(enclave),
        *make_access_objects(enclave),
        make_hub_config_map(enclave),
        make_hub_data_claim(enclave),
        *make_services(enclave),
        make_hub_deployment(enclave),
        make_proxy_deployment(enclave),
    ]


def managed_kinds() -> tuple[tuple[str, str], ...]:
    """(apiVersion, kind) of everything :func:`desired_objects` can produce, plus the
    Secret the operator creates alongside; the operator's RBAC is derived from it."""
    sample = parse_project(
        "sample",
        {
            "displayName": "Sample",
            "tier": 0,
            "computeProfiles": [{"name": "s", "displayName": "S", "cpu": "1", "memory": "1Gi"}],
            "storageQuota": "1Gi",
            "images": ["example/image:1"],
        },
    )
    platform = Platform(
        s3_url="",
        s3_cidr="",
        vault_url="",
        vault_cidr="",
        kube_api_cidr="",
        kube_api_port=443,
        airlock_namespace="tre-system",
        airlock_port=80,
        airlock_url="",
        hub_image="",
        proxy_image="",
    )
    kinds = {
        (m["apiVersion"], m["kind"])
        for m in desired_objects(sample, "sample", platform, suspended=False)
    }
    kinds.add(("v1", "Secret"))
    return tuple(sorted(kinds))
