"""Every workload the chart renders is hardened, whatever the values."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from tests.unit.helm_chart import FULL_VALUES, MINIMAL_VALUES, by_kind, pod_specs, render

SCENARIOS = {
    "minimal": yaml.safe_load(MINIMAL_VALUES.read_text()),
    "full": yaml.safe_load(FULL_VALUES.read_text()),
}
# Workloads that call the Kubernetes API and so need their ServiceAccount token.
NEEDS_API_TOKEN = {"Deployment/tre-operator"}


WORKLOADS = ["Deployment/tre-operator", "Deployment/tre-airlock"]
POD_SPECS = [(scenario, name) for scenario in SCENARIOS for name in WORKLOADS]
IDS = [f"{scenario}:{name}" for scenario, name in POD_SPECS]


@functools.cache
def rendered(scenario: str) -> list[dict[str, Any]]:
    return render(SCENARIOS[scenario])


def pod_spec(scenario: str, name: str) -> dict[str, Any]:
    return dict(pod_specs(rendered(scenario)))[name]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_walk_finds_every_workload(scenario: str) -> None:
    assert sorted(name for name, _ in pod_specs(rendered(scenario))) == sorted(WORKLOADS)


@pytest.mark.parametrize(("scenario", "name"), POD_SPECS, ids=IDS)
def test_pod_runs_as_non_root_with_the_default_seccomp_profile(scenario: str, name: str) -> None:
    spec = pod_spec(scenario, name)
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] != 0
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    for forbidden in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(forbidden), forbidden
    for volume in spec.get("volumes", []):
        assert "hostPath" not in volume, volume["name"]


@pytest.mark.parametrize(("scenario", "name"), POD_SPECS, ids=IDS)
def test_every_container_is_locked_down(scenario: str, name: str) -> None:
    spec = pod_spec(scenario, name)
    containers = spec["containers"] + spec.get("initContainers", [])
    for container in containers:
        where = f"{name} container {container['name']}"
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, where
        assert context["readOnlyRootFilesystem"] is True, where
        assert context["runAsNonRoot"] is True, where
        assert context.get("privileged", False) is False, where
        assert context["capabilities"]["drop"] == ["ALL"], where
        assert not context["capabilities"].get("add"), where
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert container["resources"]["limits"]["memory"], where
        assert container["resources"]["requests"]["cpu"], where


@pytest.mark.parametrize(("scenario", "name"), POD_SPECS, ids=IDS)
def test_api_token_is_mounted_only_where_the_api_is_used(scenario: str, name: str) -> None:
    spec = pod_spec(scenario, name)
    assert spec["automountServiceAccountToken"] is (name in NEEDS_API_TOKEN)
    assert spec["enableServiceLinks"] is False


@pytest.mark.parametrize(("scenario", "name"), POD_SPECS, ids=IDS)
def test_writable_scratch_space_is_bounded(scenario: str, name: str) -> None:
    spec = pod_spec(scenario, name)
    scratch = [v for v in spec["volumes"] if "emptyDir" in v]
    assert scratch
    for volume in scratch:
        assert volume["emptyDir"]["sizeLimit"], volume["name"]


def test_service_accounts_do_not_mount_tokens_by_default() -> None:
    for scenario in SCENARIOS:
        for account in by_kind(rendered(scenario), "ServiceAccount"):
            assert account["automountServiceAccountToken"] is False


def test_airlock_holds_no_service_account_token_at_all() -> None:
    airlock = pod_spec("full", "Deployment/tre-airlock")
    assert airlock["automountServiceAccountToken"] is False
    for volume in airlock["volumes"]:
        sources = volume.get("projected", {}).get("sources", [])
        assert not any("serviceAccountToken" in source for source in sources), volume["name"]
