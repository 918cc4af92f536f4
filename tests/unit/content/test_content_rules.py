"""The content-rule catalogue and its generated YAML fragment."""

from __future__ import annotations

import yaml

from orchestrator.checks.content_rules import DEFAULTS, param, render_content_rules_yaml
from orchestrator.checks.model import Rule, Severity


def test_every_rule_has_an_id_description_and_severity() -> None:
    ids = [r.id for r in list(DEFAULTS.values())]
    assert len(ids) == len(set(ids))
    for rule in list(DEFAULTS.values()):
        assert rule.description
        assert rule.severity in (Severity.REVIEW, Severity.BLOCK)


def test_the_yaml_fragment_mirrors_the_catalogue() -> None:
    doc = yaml.safe_load(render_content_rules_yaml())
    assert list(doc["rules"]) == [r.id for r in list(DEFAULTS.values())]
    for rule in list(DEFAULTS.values()):
        entry = doc["rules"][rule.id]
        assert entry["severity"] == str(rule.severity)
        assert entry.get("params", {}) == dict(rule.params)


def test_missing_parameters_fall_back_to_the_catalogue_defaults() -> None:
    partial = Rule("tables.min_cell_count", "x", Severity.BLOCK, {})
    assert param(partial, "threshold") == 10
    assert (
        param(Rule("tables.min_cell_count", "x", Severity.BLOCK, {"threshold": 20}), "threshold")
        == 20
    )
    assert param(Rule("no.such.rule", "x", Severity.BLOCK), "threshold") is None
