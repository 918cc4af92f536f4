"""The values schema is closed, documents every key, and accepts the shipped values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from orchestrator.cli.helm_reference import (
    CHART_DIR,
    load_default_values,
    load_schema,
    render_schema_json,
    render_values_reference,
)
from tests.unit.helm_chart import deep_merge


def object_schemas(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield path, node
        for key, child in node.items():
            yield from object_schemas(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from object_schemas(child, f"{path}[{index}]")


def test_every_object_in_the_schema_is_closed() -> None:
    for path, node in object_schemas(load_schema()):
        extra = node.get("additionalProperties")
        if "properties" in node:
            assert extra is False, f"{path} must set additionalProperties: false"
        else:
            assert isinstance(extra, dict), f"{path} must be closed or a typed map"
            if extra.get("type") == "object":
                assert extra.get("additionalProperties") is False, f"{path} values must be closed"
            else:
                assert extra.get("type") == "string", f"{path} must be a typed map"


def test_every_value_is_described_for_the_reference() -> None:
    schema = load_schema()

    def walk(node: dict[str, Any], path: str) -> Iterator[str]:
        for name, child in node.get("properties", {}).items():
            target = child
            if "$ref" in child:
                target = schema["definitions"][child["$ref"].rsplit("/", 1)[1]]
            if (
                not (child.get("description") or target.get("description"))
                and "properties" not in target
            ):
                yield f"{path}.{name}"
            yield from walk(target, f"{path}.{name}")

    assert list(walk(schema, "values")) == []


@pytest.mark.parametrize(
    "values_file", ["values.yaml", "ci/minimal-values.yaml", "ci/full-values.yaml"]
)
def test_shipped_values_satisfy_the_schema(values_file: str) -> None:
    defaults = load_default_values()
    values = yaml.safe_load((CHART_DIR / values_file).read_text())
    jsonschema.validate(deep_merge(defaults, values), load_schema())


def test_default_values_list_every_top_level_key() -> None:
    assert set(load_schema()["properties"]) == set(load_default_values())


def test_an_unknown_key_fails_schema_validation() -> None:
    values = load_default_values() | {"extraEnv": [{"name": "X", "value": "1"}]}
    with pytest.raises(jsonschema.ValidationError, match="extraEnv"):
        jsonschema.validate(values, load_schema())


def test_helm_reads_the_same_schema_as_the_source() -> None:
    assert json.loads(render_schema_json()) == load_schema()


def test_reference_lists_every_documented_value() -> None:
    reference = render_values_reference()
    for key in [
        "`airlock.requiredApprovals`",
        "`networkPolicy.kubeApiServer.cidrs`",
        "`objectStorage.insecureAllowHttp`",
        "`metrics.prometheusRule.stuckInReviewHours`",
    ]:
        assert key in reference
    assert "| `airlock.requiredApprovals` | integer | `2` |" in reference
