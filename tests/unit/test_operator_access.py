"""The operator's ClusterRole covers exactly what it manages, and nothing grants '*'."""

from __future__ import annotations

import yaml

from orchestrator.domain.operator_access import (
    PLURALS,
    admission_policy_spec,
    operator_rules,
    render_operator_rules,
    render_peering_crd,
)
from orchestrator.domain.projects.desired import desired_objects, managed_kinds
from orchestrator.domain.projects.manifests.access import HUB_ROLE_RULES
from tests.unit.projects.examples import PLATFORM, spec


def allowed(group: str, resource: str, verb: str) -> bool:
    return any(
        group in r["apiGroups"] and resource in r["resources"] and verb in r["verbs"]
        for r in operator_rules()
    )


def test_the_operator_may_apply_and_delete_every_object_it_produces() -> None:
    for manifest in desired_objects(spec(), "diabetes", PLATFORM, suspended=False):
        group = manifest["apiVersion"].rpartition("/")[0]
        for verb in ("get", "create", "patch", "delete"):
            assert allowed(group, PLURALS[manifest["kind"]], verb), manifest["kind"]


def test_the_operator_holds_every_right_it_grants_the_hub() -> None:
    for rule in HUB_ROLE_RULES:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    assert allowed(group, resource, verb), (resource, verb)


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
    for rule in operator_rules():
        if "create" in rule["verbs"] and rule["resources"] != ["events"]:
            for group in rule["apiGroups"]:
                if group in ("research.tre-orchestrator.io", "kopf.dev"):
                    continue
                for resource in rule["resources"]:
                    assert (group, resource) in covered, (group, resource)
    assert {("", "namespaces"), ("", "secrets"), ("", "pods"), ("", "serviceaccounts")} <= covered
