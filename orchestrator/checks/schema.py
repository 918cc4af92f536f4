"""The JSON Schema of a rule-set file, generated from the rule catalogue.

``orchestrator/checks/ruleset.schema.json`` is this schema, committed and kept in sync by
``make generate``; editors can point at it. The loader validates with the same schema.
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.checks.catalogue import CATALOGUE
from orchestrator.checks.rulespecs import RuleSpec

RULESET_ID_PATTERN = "^[a-z0-9][a-z0-9._-]*$"


def make_rule_schema(spec: RuleSpec) -> dict[str, Any]:
    """The schema of one rule's entry in a rule set."""
    return {
        "type": "object",
        "description": spec.summary,
        "additionalProperties": False,
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "severity": {"enum": ["review", "block"]},
            "enabled": {"type": "boolean"},
            "params": {
                "type": "object",
                "additionalProperties": False,
                "properties": {p.name: p.json_schema() for p in spec.params},
            },
        },
    }


def make_ruleset_schema() -> dict[str, Any]:
    """The schema of a whole rule-set file (``policies/*.yaml``)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tre-orchestrator.invalid/schemas/ruleset.schema.json",
        "title": "Export rule set",
        "description": (
            "A rule set configures the export-check engine: which rules run, how severe "
            "a hit is, and their parameters. A file with `extends` changes only what it "
            "names; a file without it must configure every rule."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "version"],
        "properties": {
            "id": {"type": "string", "pattern": RULESET_ID_PATTERN},
            "version": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "extends": {
                "type": "string",
                "minLength": 1,
                "description": "A rule-set name (`default`, `tier2`) or a path relative to this file.",
            },
            "rules": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    rule_id: make_rule_schema(spec) for rule_id, spec in sorted(CATALOGUE.items())
                },
            },
        },
    }


def render_ruleset_schema() -> str:
    """The committed ``ruleset.schema.json``."""
    return json.dumps(make_ruleset_schema(), indent=2, sort_keys=False) + "\n"
