"""One NetworkPolicy per component; egress denied except to named destinations."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from tests.unit.helm_chart import FULL_VALUES, MINIMAL_VALUES, by_kind, one, render

SCENARIOS = {
    "minimal": yaml.safe_load(MINIMAL_VALUES.read_text()),
    "full": yaml.safe_load(FULL_VALUES.read_text()),
}
COMPONENTS = ["operator", "airlock"]


@functools.cache
def rendered(scenario: str) -> list[dict[str, Any]]:
    return render(SCENARIOS[scenario])


def policy(scenario: str, component: str) -> dict[str, Any]:
    return one(rendered(scenario), "NetworkPolicy", f"tre-{component}")


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_one_policy_per_component_covering_ingress_and_egress(scenario: str) -> None:
    policies = by_kind(rendered(scenario), "NetworkPolicy")
    assert sorted(p["metadata"]["name"] for p in policies) == ["tre-airlock", "tre-operator"]
    for item in policies:
        assert item["spec"]["policyTypes"] == ["Ingress", "Egress"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_workload_is_selected_by_exactly_its_own_policy(scenario: str) -> None:
    policies = by_kind(rendered(scenario), "NetworkPolicy")
    for deployment in by_kind(rendered(scenario), "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [
            p["metadata"]["name"] for p in policies if selects(p["spec"]["podSelector"], labels)
        ]
        assert matching == [deployment["metadata"]["name"]]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("component", COMPONENTS)
def test_no_rule_allows_every_destination_or_port(scenario: str, component: str) -> None:
    spec = policy(scenario, component)["spec"]
    for rule in spec["egress"]:
        assert rule.get("to"), f"an egress rule without destinations allows all: {rule}"
        assert rule.get("ports"), f"an egress rule without ports allows all ports: {rule}"
        for peer in rule["to"]:
            assert peer, "an empty peer matches every pod in every namespace"
            if "ipBlock" in peer:
                assert not peer["ipBlock"]["cidr"].endswith("/0")
            if "namespaceSelector" in peer:
                assert peer["namespaceSelector"]["matchLabels"]
    for rule in spec["ingress"]:
        assert rule.get("from"), rule
        assert rule.get("ports"), rule


def egress_cidrs(scenario: str, component: str) -> set[tuple[str, int]]:
    found = set()
    for rule in policy(scenario, component)["spec"]["egress"]:
        for peer in rule["to"]:
            if "ipBlock" in peer:
                for port in rule["ports"]:
                    found.add((peer["ipBlock"]["cidr"], port["port"]))
    return found


def test_operator_reaches_only_the_api_server_vault_and_object_storage() -> None:
    assert egress_cidrs("minimal", "operator") == {
        ("172.18.0.2/32", 443),
        ("172.18.0.2/32", 6443),
        ("10.20.0.10/32", 8200),
        ("10.20.0.20/32", 443),
    }


def test_airlock_reaches_only_its_dependencies_and_project_hubs() -> None:
    assert egress_cidrs("minimal", "airlock") == {
        ("10.20.0.30/32", 5432),
        ("10.20.0.20/32", 443),
        ("10.20.0.10/32", 8200),
        ("10.20.0.40/32", 443),
    }
    rules = policy("minimal", "airlock")["spec"]["egress"]
    hub_rules = [
        r
        for r in rules
        if any(
            p.get("namespaceSelector", {}).get("matchLabels")
            == {"app.kubernetes.io/managed-by": "tre-orchestrator"}
            for p in r["to"]
        )
    ]
    assert [r["ports"] for r in hub_rules] == [[{"protocol": "TCP", "port": 8081}]]


def test_dns_is_allowed_only_to_the_cluster_resolver() -> None:
    for component in COMPONENTS:
        rules = policy("minimal", component)["spec"]["egress"]
        dns = [r for r in rules if {"protocol": "UDP", "port": 53} in r["ports"]]
        assert len(dns) == 1
        assert dns[0]["to"] == [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                },
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ]


def test_operator_accepts_no_connections_unless_prometheus_is_named() -> None:
    assert policy("minimal", "operator")["spec"]["ingress"] == []
    (rule,) = policy("full", "operator")["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": "metrics"}]


def test_airlock_accepts_connections_from_project_namespaces_only_by_default() -> None:
    (rule,) = policy("minimal", "airlock")["spec"]["ingress"]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"app.kubernetes.io/managed-by": "tre-orchestrator"}}}
    ]
    assert len(policy("full", "airlock")["spec"]["ingress"]) == 3


def test_notifications_egress_exists_only_when_configured() -> None:
    assert ("10.20.0.50/32", 587) in egress_cidrs("full", "airlock")
    assert not any(port == 587 for _, port in egress_cidrs("minimal", "airlock"))
