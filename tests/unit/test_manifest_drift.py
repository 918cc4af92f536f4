"""The subset rule that decides whether a live Kubernetes object drifted from its manifest,
and how API errors are named."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException

from orchestrator.adapters.kubernetes_objects import (
    KINDS,
    KubernetesConflict,
    KubernetesForbidden,
    KubernetesMissing,
    KubernetesRejected,
    KubernetesUnavailable,
    UnsupportedKind,
    comparable,
    is_equal,
    is_subset,
    matches,
    translate_api_error,
)


def test_server_defaults_are_not_drift() -> None:
    desired = {"spec": {"ports": [{"port": 80}]}}
    live = {"spec": {"ports": [{"port": 80, "protocol": "TCP"}], "type": "ClusterIP"}}
    assert is_subset(desired, live)


def test_a_changed_value_is_drift() -> None:
    assert not is_subset({"spec": {"replicas": 1}}, {"spec": {"replicas": 2}})


def test_lists_are_compared_element_wise_and_by_length() -> None:
    assert is_subset([{"a": 1}, {"b": 2}], [{"a": 1, "x": 0}, {"b": 2}])
    assert not is_subset([{"a": 1}], [{"a": 1}, {"b": 2}])
    assert not is_subset([{"b": 2}, {"a": 1}], [{"a": 1}, {"b": 2}])


def test_an_empty_desired_map_matches_a_missing_key() -> None:
    assert is_subset({"metadata": {"labels": {}}}, {"metadata": {}})
    assert not is_subset({"metadata": {"labels": {"a": "b"}}}, {"metadata": {}})


def test_type_mismatch_is_drift() -> None:
    assert not is_subset({"port": 8080}, {"port": "8080"})
    assert not is_subset({"a": {"b": 1}}, {"a": [1]})


def test_a_key_only_the_live_object_has_is_a_difference_when_compared_for_equality() -> None:
    desired = {"to": [{"podSelector": {"matchLabels": {"c": "hub"}}}]}
    widened = {"to": [{"podSelector": {"matchLabels": {"c": "hub"}}, "namespaceSelector": {}}]}
    assert is_subset(desired, widened)
    assert not is_equal(desired, widened)
    assert not is_equal({"podSelector": {}}, {"podSelector": {"matchLabels": {"a": "b"}}})
    assert is_equal({"podSelector": {}, "ingress": []}, {"podSelector": {}})


def test_network_policy_specs_must_equal_their_manifest_and_other_kinds_only_contain_it() -> None:
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": []},
    }
    live = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "uid": "u", "resourceVersion": "7"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    assert matches(policy, live)
    narrowed = {**live, "spec": {**live["spec"], "podSelector": {"matchLabels": {"no": "pod"}}}}
    assert not matches(policy, narrowed)
    role = {"kind": "Role", "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    named = {"kind": "Role", "rules": [{**role["rules"][0], "resourceNames": ["x"]}]}  # type: ignore[index]
    assert not matches(role, named)
    service = {"kind": "Service", "spec": {"ports": [{"port": 80}]}}
    assert matches(
        service, {"kind": "Service", "spec": {"ports": [{"port": 80}], "type": "ClusterIP"}}
    )


def test_secret_string_data_is_compared_as_base64_data() -> None:
    manifest = {"kind": "Secret", "stringData": {"k": "v"}, "data": {"x": "eQ=="}}
    assert comparable(manifest) == {"kind": "Secret", "data": {"x": "eQ==", "k": "dg=="}}
    assert comparable({"kind": "ConfigMap", "data": {"k": "v"}}) == {
        "kind": "ConfigMap",
        "data": {"k": "v"},
    }


def test_paths_of_namespaced_and_cluster_kinds() -> None:
    assert KINDS["Namespace"].path(None, "tre-p") == "/api/v1/namespaces/tre-p"
    assert (
        KINDS["NetworkPolicy"].path("tre-p", "deny")
        == "/apis/networking.k8s.io/v1/namespaces/tre-p/networkpolicies/deny"
    )
    assert KINDS["Deployment"].path("tre-p") == "/apis/apps/v1/namespaces/tre-p/deployments"
    with pytest.raises(UnsupportedKind, match="namespaced"):
        KINDS["Role"].path(None, "x")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (409, KubernetesConflict),
        (403, KubernetesForbidden),
        (401, KubernetesForbidden),
        (422, KubernetesRejected),
        (400, KubernetesRejected),
        (404, KubernetesMissing),
        (429, KubernetesUnavailable),
        (503, KubernetesUnavailable),
        (0, KubernetesUnavailable),
    ],
)
def test_api_errors_become_ours_with_the_server_message(
    status: int, error: type[Exception]
) -> None:
    exc = ApiException(status=status, reason="r")
    exc.body = json.dumps({"kind": "Status", "message": "the server's reason"})

    translated = translate_api_error(exc, "apply", "ConfigMap tre-p/settings")

    assert type(translated) is error
    assert "ConfigMap tre-p/settings" in str(translated)
    assert "the server's reason" in str(translated)
