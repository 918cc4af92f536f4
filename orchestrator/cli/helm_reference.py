"""The Helm chart's values schema, and the values reference generated from it.

``helm/tre-orchestrator/values.schema.yaml`` is the single source: it becomes the
``values.schema.json`` Helm enforces, and ``docs/reference/helm-values.md``. Both
are registered in :mod:`orchestrator.cli.generated`, so ``make check`` fails when
either drifts from the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, cast

import yaml

from orchestrator.embedded.paths import REPO_ROOT

CHART_DIR = REPO_ROOT / "helm" / "tre-orchestrator"
SCHEMA_SOURCE = CHART_DIR / "values.schema.yaml"
VALUES_FILE = CHART_DIR / "values.yaml"

Schema = Mapping[str, Any]


def load_schema() -> dict[str, Any]:
    """The values schema, as written in its YAML source."""
    return cast(dict[str, Any], yaml.safe_load(SCHEMA_SOURCE.read_text()))


def load_default_values() -> dict[str, Any]:
    """The chart's default values."""
    return cast(dict[str, Any], yaml.safe_load(VALUES_FILE.read_text()))


def render_schema_json() -> str:
    """``values.schema.json``: the YAML source as JSON, which Helm reads."""
    return json.dumps(load_schema(), indent=2, ensure_ascii=False) + "\n"


def _resolve(node: Schema, root: Schema) -> Schema:
    """Follow a local ``$ref``, keeping the referring node's own description."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    merged = dict(target)
    if "description" in node:
        merged["description"] = node["description"]
    return merged


def _type_of(node: Schema) -> str:
    kind = node.get("type", "")
    text = " or ".join(str(k) for k in kind) if isinstance(kind, list) else str(kind)
    if "enum" in node:
        text += " (" + ", ".join(f"`{v}`" if v != "" else '`""`' for v in node["enum"]) + ")"
    if kind == "array" and isinstance(node.get("items"), Mapping):
        item_type = node["items"].get("type")
        if isinstance(item_type, str) and item_type != "object":
            text = f"array of {item_type}"
    extra = node.get("additionalProperties")
    if kind == "object" and "properties" not in node and isinstance(extra, Mapping):
        text = f"map of {extra.get('type', 'any')}"
    return text


def _default_of(node: Schema, values: Any, path: list[str]) -> str:
    if "properties" in node:
        return "see below"
    current = values
    for part in path:
        if not isinstance(current, Mapping) or part not in current:
            return "—"
        current = current[part]
    return "`" + json.dumps(current, ensure_ascii=False) + "`"


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rows(node: Schema, root: Schema, path: list[str], values: Any) -> Iterator[tuple[str, ...]]:
    node = _resolve(node, root)
    for name, child in node.get("properties", {}).items():
        child = _resolve(child, root)
        child_path = [*path, name]
        description = _one_line(str(child.get("description", "")))
        yield (
            "`" + ".".join(child_path) + "`",
            _type_of(child),
            _default_of(child, values, child_path),
            description,
        )
        if "properties" in child:
            yield from _rows(child, root, child_path, values)


def render_values_reference() -> str:
    """``docs/reference/helm-values.md``: one row per value, from the schema."""
    schema = load_schema()
    values = load_default_values()
    lines = [
        "# Helm values reference",
        "",
        "<!-- Generated from helm/tre-orchestrator/values.schema.yaml by `make generate`;"
        " do not edit. -->",
        "",
        "Every value the `tre-orchestrator` chart accepts. The schema is closed: a key"
        " not listed here fails `helm install`, `helm upgrade` and `helm template`."
        " Values whose description says **Required** have no safe default and must be"
        " set (see `helm/tre-orchestrator/ci/minimal-values.yaml`); the render also refuses"
        " unsafe combinations, such as fewer than one required approval, an egress"
        " allowance for every address (`0.0.0.0/0`), or a plain-HTTP S3 endpoint"
        " without `objectStorage.insecureAllowHttp`.",
        "",
        "| Value | Type | Default | Description |",
        "|---|---|---|---|",
    ]
    for row in _rows(schema, schema, [], values):
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    return "\n".join(lines)
