"""The ResearchProject CustomResourceDefinition, derived from the spec model.

The spec's OpenAPI v3 schema is pydantic's JSON schema of
:class:`~orchestrator.domain.projects.spec.ProjectSpec` made structural (references
inlined, ``null`` alternatives turned into ``nullable``, titles dropped), so the CRD
cannot drift from the model. The API server rejects obvious mistakes at
``kubectl apply``; :func:`~orchestrator.domain.projects.spec.parse_project` remains the
authority and explains anything subtler on the resource's status.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from orchestrator.domain.projects.conditions import CONDITION_TYPES, PHASES
from orchestrator.domain.projects.spec import (
    API_GROUP,
    API_VERSION,
    KIND,
    MAX_PROJECT_NAME,
    PLURAL,
    ProjectSpec,
)

_DROPPED = {"title", "additionalProperties"}


def _structural(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_structural(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = copy.deepcopy(definitions[node.pop("$ref").rsplit("/", 1)[-1]])
        node = {**target, **node}
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        (option,) = options
        node = {**option, **node, "nullable": True}
    if node.get("default", "") is None or isinstance(node.get("default"), dict | list):
        node.pop("default")
    if node.pop("uniqueItems", False):
        node["x-kubernetes-list-type"] = "set"
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            result[key] = {name: _structural(v, definitions) for name, v in value.items()}
        else:
            result[key] = _structural(value, definitions)
    return result


def spec_schema() -> dict[str, Any]:
    """The OpenAPI v3 schema of ``spec``, from the model."""
    raw = ProjectSpec.model_json_schema(by_alias=True, mode="validation")
    definitions = raw.pop("$defs", {})
    schema: dict[str, Any] = _structural(raw, definitions)
    return schema


def status_schema() -> dict[str, Any]:
    """The OpenAPI v3 schema of ``status``, written by the controller."""
    condition = {
        "type": "object",
        "required": ["type", "status"],
        "properties": {
            "type": {"type": "string", "enum": [str(t) for t in CONDITION_TYPES]},
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "reason": {"type": "string"},
            "message": {"type": "string"},
            "lastTransitionTime": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "type": "object",
        "description": "What the controller observed; written by the operator only.",
        # kopf keeps handler progress here too.
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {
            "phase": {"type": "string", "enum": [str(p) for p in PHASES]},
            "conditions": {
                "type": "array",
                "items": condition,
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
            },
            "observedGeneration": {"type": "integer", "format": "int64"},
            "namespace": {"type": "string", "description": "The project's namespace."},
            "buckets": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The project's own buckets (inputs, outbox).",
            },
            "expiresAt": {"type": "string", "format": "date-time", "nullable": True},
        },
    }


PRINTER_COLUMNS = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Tier", "type": "integer", "jsonPath": ".spec.tier"},
    {"name": "Expires", "type": "date", "jsonPath": ".spec.expiresAt"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def make_crd() -> dict[str, Any]:
    """The ResearchProject CRD (cluster-scoped, one served and stored version)."""
    root = {
        "type": "object",
        "description": "A research project: the operator turns it into an isolated enclave.",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema(),
            "status": status_schema(),
        },
        "x-kubernetes-validations": [
            {
                "rule": f"size(self.metadata.name) <= {MAX_PROJECT_NAME}",
                "message": f"a project name has at most {MAX_PROJECT_NAME} characters "
                "(its buckets are named tre-<name>-outbox)",
            }
        ],
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{API_GROUP}"},
        "spec": {
            "group": API_GROUP,
            "scope": "Cluster",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": KIND.lower(),
                "shortNames": ["rp"],
                "categories": ["tre"],
            },
            "versions": [
                {
                    "name": API_VERSION,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": root},
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": PRINTER_COLUMNS,
                }
            ],
        },
    }


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_crd() -> str:
    """``helm/tre-orchestrator/crds/researchprojects.yaml``."""
    return (
        "# Generated by `tre dev generate` from orchestrator/domain/projects/spec.py.\n"
        + yaml.dump(make_crd(), Dumper=_NoAliases, sort_keys=False, width=100)
    )
