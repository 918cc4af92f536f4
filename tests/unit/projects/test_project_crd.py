"""The ResearchProject CRD follows the spec model: it accepts what parse_project accepts."""

from __future__ import annotations

from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from orchestrator.domain.projects.crd import make_crd
from orchestrator.domain.projects.spec import InvalidProjectSpec, ProjectSpec, parse_project
from tests.unit.projects.examples import DOCS_EXAMPLE, GPU_PROFILES, example
from tests.unit.test_chart_render import kubernetes_schema_version

VERSION = make_crd()["spec"]["versions"][0]
SCHEMA = VERSION["schema"]["openAPIV3Schema"]


def resource(spec: dict[str, Any], name: str = "diabetes") -> dict[str, Any]:
    return {
        "apiVersion": "research.tre-orchestrator.io/v1alpha1",
        "kind": "ResearchProject",
        "metadata": {"name": name},
        "spec": spec,
    }


def crd_accepts(spec: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(resource(spec), SCHEMA, format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError:
        return False
    return True


def test_the_crd_is_valid_kubernetes() -> None:
    kubernetes_validate.validate(make_crd(), kubernetes_schema_version(), strict=True)


def test_the_crd_is_cluster_scoped_with_status_and_printer_columns() -> None:
    crd = make_crd()
    assert crd["metadata"]["name"] == "researchprojects.research.tre-orchestrator.io"
    assert crd["spec"]["scope"] == "Cluster"
    assert VERSION["subresources"] == {"status": {}}
    assert [c["name"] for c in VERSION["additionalPrinterColumns"]] == [
        "Phase",
        "Tier",
        "Expires",
        "Age",
    ]
    assert set(SCHEMA["properties"]["status"]["properties"]) == {
        "phase",
        "conditions",
        "observedGeneration",
        "namespace",
        "buckets",
        "expiresAt",
    }


def test_every_model_field_is_in_the_schema() -> None:
    spec = SCHEMA["properties"]["spec"]
    assert set(spec["properties"]) == {
        field.alias or name for name, field in ProjectSpec.model_fields.items()
    }
    assert set(spec["required"]) == {
        "displayName",
        "tier",
        "computeProfiles",
        "storageQuota",
        "images",
    }


def test_the_schema_is_structural() -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert not {"$ref", "anyOf", "title", "additionalProperties", "uniqueItems"} & set(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMA)


ACCEPTED = {
    "docs": DOCS_EXAMPLE,
    "minimal": {
        "displayName": "Minimal",
        "tier": 0,
        "computeProfiles": [{"name": "s", "displayName": "S", "cpu": "500m", "memory": "1Gi"}],
        "storageQuota": "1Gi",
        "images": ["jupyter/base-notebook"],
    },
    "gpu-no-dns": example(
        computeProfiles=GPU_PROFILES, network={"dns": "none"}, retention="archive"
    ),
    "no-expiry": example(expiresAt=None, suspended=True),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_the_crd_and_the_parser_accept_the_same_good_specs(name: str) -> None:
    assert crd_accepts(ACCEPTED[name])
    assert parse_project("diabetes", ACCEPTED[name])


REJECTED = {
    "bad-memory": example(
        computeProfiles=[{"name": "s", "displayName": "S", "cpu": "1", "memory": "2 GB"}]
    ),
    "tier-too-high": example(tier=4),
    "unknown-role": example(members=[{"username": "al", "roles": ["boss"]}]),
    "missing-images": example(images=None),
    "bad-dns": example(network={"dns": "google"}),
    "no-approvals": example(export={"approvalsRequired": 0}),
    "bad-username": example(members=[{"username": "Al Smith", "roles": ["researcher"]}]),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_the_crd_and_the_parser_both_refuse_bad_specs(name: str) -> None:
    assert not crd_accepts(REJECTED[name])
    with pytest.raises(InvalidProjectSpec):
        parse_project("diabetes", REJECTED[name])


def test_the_crd_limits_the_name_length_like_the_parser() -> None:
    (rule,) = SCHEMA["x-kubernetes-validations"]
    assert rule["rule"] == "size(self.metadata.name) <= 52"
