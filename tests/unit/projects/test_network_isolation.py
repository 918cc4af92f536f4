"""The enclave's NetworkPolicies deny by default and allow only what the enclave needs."""

from __future__ import annotations

import dataclasses
from typing import Any

from orchestrator.domain.projects.enclave import Enclave
from orchestrator.domain.projects.manifests.network_policies import make_network_policies
from tests.unit.projects.examples import PLATFORM, spec


def policies(**platform_changes: Any) -> dict[str, dict[str, Any]]:
    enclave = Enclave(
        "diabetes",
        spec(**platform_changes.pop("spec", {})),
        dataclasses.replace(PLATFORM, **platform_changes),
    )
    return {p["metadata"]["name"]: p["spec"] for p in make_network_policies(enclave)}


def rules(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return policy["ingress"] + policy["egress"]


def test_the_whole_namespace_is_denied_by_default() -> None:
    assert policies()["default-deny"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [],
    }


def test_every_policy_covers_ingress_and_egress() -> None:
    for policy in policies().values():
        assert policy["policyTypes"] == ["Ingress", "Egress"]


def test_no_rule_allows_the_whole_internet() -> None:
    for policy in policies().values():
        for rule in rules(policy):
            for peer in rule.get("to", []) + rule.get("from", []):
                assert peer.get("ipBlock", {}).get("cidr") not in {"0.0.0.0/0", "::/0"}


def test_every_egress_rule_names_its_destination() -> None:
    for policy in policies().values():
        for rule in policy["egress"]:
            assert rule["to"], rule


def test_user_servers_reach_only_the_hub_vault_storage_airlock_and_dns() -> None:
    egress = policies()["singleuser"]["egress"]
    assert egress == [
        {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/component": "hub"}}}],
            "ports": [{"protocol": "TCP", "port": 8081}],
        },
        {"to": [{"ipBlock": {"cidr": "10.0.6.0/24"}}]},
        {"to": [{"ipBlock": {"cidr": "10.0.5.0/24"}}]},
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "tre-system"}
                    },
                    "podSelector": {"matchLabels": {"app.kubernetes.io/component": "airlock"}},
                }
            ],
            "ports": [{"protocol": "TCP", "port": 8000}],
        },
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
    ]


def test_user_servers_are_reached_only_by_the_proxy_and_hub() -> None:
    (rule,) = policies()["singleuser"]["ingress"]
    assert [p["podSelector"]["matchLabels"] for p in rule["from"]] == [
        {"app.kubernetes.io/component": "proxy"},
        {"app.kubernetes.io/component": "hub"},
    ]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8888}]


def test_the_hub_reaches_the_kubernetes_api_on_its_port() -> None:
    assert {
        "to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}],
        "ports": [{"protocol": "TCP", "port": 6443}],
    } in policies()["hub"]["egress"]


def test_only_the_proxys_public_port_is_open_to_everyone() -> None:
    for name, policy in policies().items():
        for rule in policy["ingress"]:
            if "from" not in rule:
                assert name == "proxy"
                assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]


def test_an_unset_cidr_means_no_rule_at_all() -> None:
    found = policies(s3_cidr="", vault_cidr="", kube_api_cidr="")
    for policy in found.values():
        for rule in policy["egress"]:
            assert all("ipBlock" not in peer for peer in rule["to"])


def test_without_dns_no_pod_may_reach_port_53() -> None:
    for policy in policies(spec={"network": {"dns": "none"}}).values():
        for rule in policy["egress"]:
            assert all(port["port"] != 53 for port in rule.get("ports", []))


def test_with_cluster_dns_only_the_cluster_resolver_is_reachable_on_53() -> None:
    for policy in policies().values():
        for rule in policy["egress"]:
            if any(port["port"] == 53 for port in rule.get("ports", [])):
                (peer,) = rule["to"]
                assert peer["namespaceSelector"]["matchLabels"] == {
                    "kubernetes.io/metadata.name": "kube-system"
                }
