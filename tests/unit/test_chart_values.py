"""The chart refuses unknown keys and dangerous or incomplete values at render time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.helm_chart import minimal_values, render, render_error


def test_minimal_values_render() -> None:
    assert render(minimal_values())


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"replicaCount": 3}, "replicaCount"),
        ({"airlock": {"requiredApproval": 2}}, "requiredApproval"),
        ({"networkPolicy": {"vault": {"cidr": "10.0.0.1/32"}}}, "cidr"),
        ({"operator": {"resources": {"limit": {"memory": "1Gi"}}}}, "limit"),
        ({"networkPolicy": {"allowAll": True}}, "allowAll"),
    ],
)
def test_closed_schema_rejects_an_unknown_key(override: dict[str, Any], key: str) -> None:
    error = render_error(minimal_values(**override))
    assert "values don't meet the specifications of the schema" in error
    assert key in error


def test_schema_rejects_a_wrong_type() -> None:
    error = render_error(minimal_values(airlock={"replicas": "two"}))
    assert "replicas" in error


def test_default_values_alone_fail_naming_every_missing_value() -> None:
    error = render_error(None)
    for key in [
        "airlock.database.existingSecret is empty",
        "airlock.objectStorage.existingSecret is empty",
        "operator.objectStorage.existingSecret is empty",
        "operator.vaultToken.existingSecret is empty",
        "airlock.vaultToken.existingSecret is empty",
        "objectStorage.endpoint is empty",
        "vault.address is empty",
        "airlock.oidc.issuer is empty",
        "networkPolicy.kubeApiServer names no destination",
        "networkPolicy.vault names no destination",
        "networkPolicy.objectStorage names no destination",
        "networkPolicy.database names no destination",
        "networkPolicy.oidcIssuer names no destination",
    ]:
        assert key in error


@pytest.mark.parametrize("approvals", [0, -1])
def test_fewer_than_one_required_approval_is_refused(approvals: int) -> None:
    error = render_error(minimal_values(airlock={"requiredApprovals": approvals}))
    assert f"airlock.requiredApprovals is {approvals}" in error
    assert "at least one independent reviewer" in error


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
@pytest.mark.parametrize("peer", ["vault", "notifications", "objectStorage", "prometheus"])
def test_an_egress_allowance_for_every_address_is_refused(peer: str, cidr: str) -> None:
    values = minimal_values(networkPolicy={peer: {"cidrs": [cidr], "ports": [443]}})
    error = render_error(values)
    assert f"networkPolicy.{peer}.cidrs contains {cidr}, which allows every address" in error


@pytest.mark.parametrize(
    "key",
    [
        "airlock.database.existingSecret",
        "airlock.objectStorage.existingSecret",
        "airlock.vaultToken.existingSecret",
        "operator.objectStorage.existingSecret",
        "operator.vaultToken.existingSecret",
    ],
)
def test_a_missing_secret_name_is_refused(key: str) -> None:
    component, section, _ = key.split(".")
    values = minimal_values(**{component: {section: {"existingSecret": ""}}})
    error = render_error(values)
    assert f"{key} is empty: create a Secret in namespace tre-system" in error


def test_plain_http_object_storage_is_refused_without_explicit_consent() -> None:
    values = minimal_values(objectStorage={"endpoint": "http://s3.internal:8333"})
    error = render_error(values)
    assert "objectStorage.endpoint is plain HTTP (http://s3.internal:8333)" in error
    assert "objectStorage.insecureAllowHttp=true" in error


def test_plain_http_object_storage_renders_with_explicit_consent() -> None:
    values = minimal_values(
        objectStorage={"endpoint": "http://s3.internal:8333", "insecureAllowHttp": True}
    )
    config = {d["metadata"]["name"]: d["data"] for d in render(values) if d["kind"] == "ConfigMap"}
    assert config["tre-operator"]["TRE_OPERATOR_S3_URL"] == "http://s3.internal:8333"
    assert config["tre-airlock"]["TRE_AIRLOCK_STORAGE__ENDPOINT"] == "s3.internal:8333"
    assert config["tre-airlock"]["TRE_AIRLOCK_STORAGE__SECURE"] == "false"


def test_plain_http_vault_is_refused_without_explicit_consent() -> None:
    error = render_error(minimal_values(vault={"address": "http://vault:8200"}))
    assert "vault.address is plain HTTP" in error
    assert "vault.insecureAllowHttp=true" in error


def test_plain_http_oidc_issuer_is_always_refused() -> None:
    values = minimal_values(
        airlock={"oidc": {"issuer": "http://login.example.org/realms/tre"}},
        objectStorage={"insecureAllowHttp": True},
        vault={"insecureAllowHttp": True},
    )
    error = render_error(values)
    assert "airlock.oidc.issuer is plain HTTP" in error


def test_an_endpoint_without_a_scheme_is_refused() -> None:
    error = render_error(minimal_values(objectStorage={"endpoint": "s3.example.org"}))
    assert "objectStorage.endpoint (s3.example.org) is not a URL" in error


def test_a_required_network_destination_without_ports_is_refused() -> None:
    error = render_error(minimal_values(networkPolicy={"database": {"ports": []}}))
    assert "networkPolicy.database.ports is empty" in error


def test_notifications_without_ports_are_refused() -> None:
    values = minimal_values(networkPolicy={"notifications": {"cidrs": ["10.1.1.1/32"]}})
    error = render_error(values)
    assert "networkPolicy.notifications.ports is empty" in error


def test_an_empty_project_namespace_selector_is_refused() -> None:
    values = minimal_values(projects={"namespaceSelector": {}})
    values["projects"]["namespaceSelector"] = None
    error = render_error(values)
    assert "projects.namespaceSelector is empty" in error


def test_a_disruption_budget_that_blocks_every_drain_is_refused() -> None:
    values = minimal_values(airlock={"replicas": 2, "podDisruptionBudget": {"minAvailable": 2}})
    error = render_error(values)
    assert "airlock.podDisruptionBudget.minAvailable (2) must be lower than" in error


def test_every_problem_is_reported_at_once() -> None:
    values = minimal_values(
        airlock={"requiredApprovals": 0},
        objectStorage={"endpoint": "http://s3:8333"},
    )
    error = render_error(values)
    assert "airlock.requiredApprovals is 0" in error
    assert "objectStorage.endpoint is plain HTTP" in error


@pytest.mark.parametrize("peer", ["kubeApiServer", "vault", "objectStorage"])
def test_services_enclaves_reach_must_be_named_by_address(peer: str) -> None:
    values = minimal_values(
        networkPolicy={peer: {"namespaceSelector": {"kubernetes.io/metadata.name": "infra"}}}
    )
    values["networkPolicy"][peer]["cidrs"] = None
    error = render_error(values)
    expected = (
        f"networkPolicy.{peer}.cidrs is empty: project enclaves reach this service by address"
    )
    assert expected in error
