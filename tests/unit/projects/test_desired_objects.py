"""A project's desired objects: valid Kubernetes, sealed, restricted and within quota."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from orchestrator.domain.projects.desired import desired_objects
from orchestrator.domain.projects.spec import ProjectSpec
from tests.unit.projects.examples import GPU_PROFILES, PLATFORM, spec
from tests.unit.test_chart_render import kubernetes_schema_version


def objects(project_spec: ProjectSpec | None = None, **kw: Any) -> list[dict[str, Any]]:
    return desired_objects(
        project_spec or spec(),
        "diabetes",
        kw.pop("platform", PLATFORM),
        suspended=kw.pop("suspended", False),
    )


def of_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    return found


VARIANTS = {
    "docs": lambda: objects(),
    "gpu-no-dns": lambda: objects(spec(computeProfiles=GPU_PROFILES, network={"dns": "none"})),
    "suspended": lambda: objects(suspended=True),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_object_is_valid_kubernetes(variant: str) -> None:
    version = kubernetes_schema_version()
    for manifest in VARIANTS[variant]():
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{manifest['kind']}/{manifest['metadata']['name']}: {exc.message}")


def test_the_namespace_comes_first_and_everything_else_lives_in_it() -> None:
    first, *rest = objects()
    assert first["kind"] == "Namespace"
    assert first["metadata"]["name"] == "tre-diabetes"
    assert {m["metadata"]["namespace"] for m in rest} == {"tre-diabetes"}


def test_the_namespace_enforces_restricted_pod_security() -> None:
    labels = objects()[0]["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert labels["app.kubernetes.io/managed-by"] == "tre-orchestrator"
    assert labels["research.tre-orchestrator.io/project"] == "diabetes"


def test_every_object_carries_the_project_labels() -> None:
    for manifest in objects():
        labels = manifest["metadata"]["labels"]
        assert labels["research.tre-orchestrator.io/project"] == "diabetes"
        assert labels["app.kubernetes.io/managed-by"] == "tre-orchestrator"


def test_isolation_is_applied_before_anything_that_runs() -> None:
    kinds = [m["kind"] for m in objects()]
    assert kinds.index("Deployment") > max(
        i for i, k in enumerate(kinds) if k in {"NetworkPolicy", "ResourceQuota", "LimitRange"}
    )
    assert kinds.index("Service") < kinds.index("Deployment")


def test_suspended_projects_run_no_hub_or_proxy() -> None:
    for deployment in of_kind(objects(suspended=True), "Deployment"):
        assert deployment["spec"]["replicas"] == 0
    for deployment in of_kind(objects(), "Deployment"):
        assert deployment["spec"]["replicas"] == 1


def test_workspaces_get_no_api_token_and_the_hub_does() -> None:
    manifests = objects()
    assert named(manifests, "ServiceAccount", "workspace")["automountServiceAccountToken"] is False
    assert named(manifests, "ServiceAccount", "hub")["automountServiceAccountToken"] is True


def test_the_hub_may_manage_only_its_namespaces_pods_claims_and_services() -> None:
    manifests = objects()
    role = named(manifests, "Role", "hub")
    assert role["metadata"]["namespace"] == "tre-diabetes"
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["pods", "persistentvolumeclaims", "services"],
            "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list", "watch"]},
    ]
    binding = named(manifests, "RoleBinding", "hub")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "hub", "namespace": "tre-diabetes"}
    ]
    assert not of_kind(manifests, "ClusterRole") + of_kind(manifests, "ClusterRoleBinding")


def pod_specs(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d["spec"]["template"]["spec"] for d in of_kind(manifests, "Deployment")]


def test_every_pod_passes_restricted_pod_security() -> None:
    for pod in pod_specs(objects()):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["runAsNonRoot"] is True
            assert context["readOnlyRootFilesystem"] is True
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert all("hostPath" not in v for v in pod.get("volumes", []))


def test_every_container_has_requests_and_limits_within_the_limit_range() -> None:
    from orchestrator.domain.projects.quantities import parse_quantity

    manifests = objects()
    maximum = named(manifests, "LimitRange", "project")["spec"]["limits"][0]["max"]
    for pod in pod_specs(manifests):
        for container in pod["containers"]:
            for resource in ("cpu", "memory"):
                request = parse_quantity(container["resources"]["requests"][resource])
                limit = parse_quantity(container["resources"]["limits"][resource])
                assert request <= limit <= parse_quantity(maximum[resource])


def test_the_quota_fits_one_server_per_researcher_plus_hub_and_proxy() -> None:
    hard = named(objects(), "ResourceQuota", "project")["spec"]["hard"]
    # One researcher (alice) at 1 CPU / 2Gi, plus hub (1 / 1Gi) and proxy (500m / 512Mi).
    assert hard == {
        "requests.cpu": "2500m",
        "limits.cpu": "2500m",
        "requests.memory": "3584Mi",
        "limits.memory": "3584Mi",
        "requests.storage": "100Gi",
        "persistentvolumeclaims": "2",
        "pods": "5",
        "services": "4",
    }


def test_gpus_are_counted_only_when_a_profile_has_them() -> None:
    hard = named(objects(spec(computeProfiles=GPU_PROFILES)), "ResourceQuota", "project")
    assert hard["spec"]["hard"]["requests.nvidia.com/gpu"] == "1"
    assert (
        "requests.nvidia.com/gpu"
        not in named(objects(), "ResourceQuota", "project")["spec"]["hard"]
    )


def test_the_limit_range_defaults_to_the_default_profile() -> None:
    limits = named(objects(spec(computeProfiles=GPU_PROFILES)), "LimitRange", "project")
    (container,) = limits["spec"]["limits"]
    assert container["default"] == {"cpu": "4", "memory": "16Gi"}
    assert container["defaultRequest"] == {"cpu": "4", "memory": "16Gi"}
    assert container["max"] == {"cpu": "4", "memory": "16Gi"}


def test_services_expose_the_hub_and_both_proxy_ports() -> None:
    ports = {
        s["metadata"]["name"]: (
            s["spec"]["ports"][0]["port"],
            s["spec"]["selector"]["app.kubernetes.io/component"],
        )
        for s in of_kind(objects(), "Service")
    }
    assert ports == {
        "hub": (8081, "hub"),
        "proxy-public": (8000, "proxy"),
        "proxy-api": (8001, "proxy"),
    }


def test_the_builders_are_pure() -> None:
    assert objects() == objects()
