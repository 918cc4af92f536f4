"""The project's ResourceQuota and LimitRange, sized from its members and profiles.

Only researchers start notebook servers, so the quota allows one server per researcher
at the largest profile, plus the hub and the proxy. Storage is the spec's
``storageQuota`` (home volumes and the hub's database); GPUs are counted only when a
profile asks for them. A suspended project's quota allows no pods, so the API server
refuses every new one (a user server spawned by any means included).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orchestrator.domain.access import Role
from orchestrator.domain.projects.enclave import Enclave
from orchestrator.domain.projects.quantities import format_bytes, format_cpu, parse_quantity

GPU_RESOURCE = "nvidia.com/gpu"

HUB_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}
"""The hub container's requests and limits."""
PROXY_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}
"""The proxy container's requests and limits."""
SPARE_PODS = 2
"""Pods beyond one per researcher, the hub and the proxy (a rolling update's surge)."""


def researcher_count(enclave: Enclave) -> int:
    """How many members may start a server (at least one, so the quota is never zero)."""
    return max(1, sum(Role.RESEARCHER in m.roles for m in enclave.spec.members))


def _largest(enclave: Enclave) -> tuple[Decimal, Decimal, int]:
    profiles = enclave.spec.compute_profiles
    return (
        max(parse_quantity(p.cpu) for p in profiles),
        max(parse_quantity(p.memory) for p in profiles),
        max(p.gpu for p in profiles),
    )


def _platform_limits(resource: str) -> Decimal:
    return sum(
        (parse_quantity(r["limits"][resource]) for r in (HUB_RESOURCES, PROXY_RESOURCES)),
        Decimal(0),
    )


def make_resource_quota(enclave: Enclave) -> dict[str, Any]:
    """The namespace's ResourceQuota."""
    servers = researcher_count(enclave)
    cpu, memory, gpu = _largest(enclave)
    total_cpu = format_cpu(servers * cpu + _platform_limits("cpu"))
    total_memory = format_bytes(servers * memory + _platform_limits("memory"))
    hard = {
        "requests.cpu": total_cpu,
        "limits.cpu": total_cpu,
        "requests.memory": total_memory,
        "limits.memory": total_memory,
        "requests.storage": enclave.spec.storage_quota,
        "persistentvolumeclaims": str(servers + 1),
        # Suspended: no pod may start at all (no hub, no user server, whoever asks).
        "pods": "0" if enclave.suspended else str(servers + 2 + SPARE_PODS),
        "services": "4",
    }
    if gpu:
        hard[f"requests.{GPU_RESOURCE}"] = str(servers * gpu)
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": enclave.metadata("project"),
        "spec": {"hard": hard},
    }


def make_limit_range(enclave: Enclave) -> dict[str, Any]:
    """Container defaults from the default profile; the largest profile as the maximum."""
    default = enclave.spec.default_profile
    cpu, memory, _ = _largest(enclave)
    hub_cpu = parse_quantity(HUB_RESOURCES["limits"]["cpu"])
    hub_memory = parse_quantity(HUB_RESOURCES["limits"]["memory"])
    size = {"cpu": default.cpu, "memory": default.memory}
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": enclave.metadata("project"),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "default": dict(size),
                    "defaultRequest": dict(size),
                    "max": {
                        "cpu": format_cpu(max(cpu, hub_cpu)),
                        "memory": format_bytes(max(memory, hub_memory)),
                    },
                }
            ]
        },
    }
