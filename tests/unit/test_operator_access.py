"""The operator's ClusterRole covers exactly what it manages, and nothing grants '*'."""

from __future__ import annotations

import yaml

from orchestrator.domain.operator_access import (
    PLURALS,
    admission_policy_spec,
    bind_rule,
    operator_rules,
    project_rules,
    render_operator_rules,
    render_peering_crd,
)
from orchestrator.domain.projects.desired import desired_objects, managed_kinds
from orchestrator.domain.projects.manifests.access import HUB_ROLE_RULES
from tests.unit.projects.examples import PLATFORM, spec


def allowed(group: str, resource: str, verb: str, *, in_project: bool = False) -> bool:
    """Whether the operator may, cluster-wide (or in a project namespace, where its
    RoleBinding adds the project rules)."""
    rules = [*operator_rules(), *(project_rules() if in_project else [])]
    return any(
        group in r["apiGroups"] and resource in r["resources"] and verb in r["verbs"] for r in rules
    )


def test_the_operator_may_apply_and_delete_every_object_it_produces() -> None:
    for manifest in desired_objects(spec(), "diabetes", PLATFORM, suspended=False):
        group = manifest["apiVersion"].rpartition("/")[0]
        for verb in ("get", "create", "patch", "delete"):
            assert allowed(group, PLURALS[manifest["kind"]], verb, in_project=True), manifest[
                "kind"
            ]


def test_the_operator_holds_every_right_it_grants_the_hub_in_project_namespaces_only() -> None:
    for rule in HUB_ROLE_RULES:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    assert allowed(group, resource, verb, in_project=True), (resource, verb)


def test_outside_project_namespaces_it_holds_nothing_on_secrets_or_accounts() -> None:
    for resource in ("secrets", "pods", "serviceaccounts", "roles", "configmaps"):
        for verb in ("create", "update", "patch", "delete"):
            assert not allowed("", resource, verb), (resource, verb)
            assert not allowed("rbac.authorization.k8s.io", resource, verb), (resource, verb)
        if resource != "pods":  # user servers are watched everywhere, read-only
            for verb in ("get", "list", "watch"):
                assert not allowed("", resource, verb), (resource, verb)
    # Only what a new project namespace needs before its RoleBinding exists.
    assert allowed("rbac.authorization.k8s.io", "rolebindings", "create")
    assert not allowed("rbac.authorization.k8s.io", "rolebindings", "delete")
    assert allowed("", "namespaces", "create")


def test_the_operator_binds_the_project_role_to_itself_in_each_project_namespace() -> None:
    binding = next(
        m
        for m in desired_objects(spec(), "diabetes", PLATFORM, suspended=False)
        if m["kind"] == "RoleBinding" and m["metadata"]["name"] == "tre-orchestrator"
    )
    assert binding["metadata"]["namespace"] == "tre-diabetes"
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "tre-operator-project",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "tre-operator", "namespace": "tre-system"}
    ]
    assert bind_rule("tre-operator-project") == {
        "apiGroups": ["rbac.authorization.k8s.io"],
        "resources": ["clusterroles"],
        "verbs": ["bind"],
        "resourceNames": ["tre-operator-project"],
    }


def test_the_operator_watches_projects_and_writes_their_status_and_events() -> None:
    assert allowed("research.tre-orchestrator.io", "researchprojects", "watch")
    assert allowed("research.tre-orchestrator.io", "researchprojects/status", "patch")
    assert not allowed("research.tre-orchestrator.io", "researchprojects", "create")
    assert allowed("kopf.dev", "clusterkopfpeerings", "patch")
    assert allowed("events.k8s.io", "events", "create")


def test_no_rule_grants_everything_or_cluster_wide_rbac() -> None:
    for rule in operator_rules():
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
        assert not {"clusterroles", "clusterrolebindings"} & set(rule["resources"])
    assert ("v1", "Secret") in managed_kinds()


def test_the_rendered_files_are_plain_yaml_without_aliases() -> None:
    text = render_operator_rules()
    assert "&id" not in text
    assert "*id" not in text
    assert yaml.safe_load(text) == operator_rules()
    assert (
        yaml.safe_load(render_peering_crd())["metadata"]["name"] == "clusterkopfpeerings.kopf.dev"
    )


def test_the_admission_policy_covers_every_kind_the_operator_may_write() -> None:
    covered = {
        (group, resource)
        for rule in admission_policy_spec()["matchConstraints"]["resourceRules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    for rule in project_rules():
        if "create" in rule["verbs"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    assert (group, resource) in covered, (group, resource)
    assert {("", "namespaces"), ("", "secrets"), ("", "pods"), ("", "serviceaccounts")} <= covered
