"""The rule catalogue, the default rule set and the content scanners agree."""

from __future__ import annotations

from orchestrator.checks import content_rules
from orchestrator.checks.catalogue import CATALOGUE, PIPELINE_RULES
from orchestrator.checks.catalogue_content import CONTENT_RULES as CONTENT_SPECS
from orchestrator.checks.rulesets import load_named_ruleset

PIPELINE_NAMESPACES = {
    "type", "names", "limits", "archive", "notebook", "image", "pdf", "office",
    "serialized", "executable", "genomic", "malware", "engine",
}  # fmt: skip


def test_the_content_rules_are_declared_once() -> None:
    assert not hasattr(content_rules, "CONTENT_RULES")
    assert list(content_rules.DEFAULTS) == [spec.id for spec in CONTENT_SPECS]
    for spec in CONTENT_SPECS:
        assert content_rules.DEFAULTS[spec.id].description == spec.summary, spec.id
        assert CATALOGUE[spec.id] is spec


def test_content_parameters_and_defaults_match_the_scanners() -> None:
    default = load_named_ruleset("default")
    for rule in content_rules.DEFAULTS.values():
        spec = CATALOGUE[rule.id]
        assert {p.name for p in spec.params} == set(rule.params), rule.id
        assert dict(default.rules[rule.id].params) == dict(rule.params), rule.id
        assert default.rules[rule.id].severity == rule.severity, rule.id


def test_pipeline_rules_stay_in_their_namespaces() -> None:
    for spec in PIPELINE_RULES:
        assert spec.id.split(".")[0] in PIPELINE_NAMESPACES, spec.id
        assert not spec.id.startswith("genomic.text."), spec.id


def test_every_rule_has_a_summary_and_every_parameter_a_direction() -> None:
    for spec in CATALOGUE.values():
        assert spec.summary.endswith("."), spec.id
        for param in spec.params:
            assert param.description
            assert param.tighten in (
                "lower",
                "higher",
                "true",
                "false",
                "subset",
                "superset",
                "fixed",
            )
