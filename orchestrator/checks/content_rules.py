"""The content rules' defaults, as the scanners read them.

The rules themselves are declared once, in :mod:`orchestrator.checks.catalogue_content`
(ids, summaries, default severities, parameters with their defaults). This module turns
that list into :class:`~orchestrator.checks.model.Rule` defaults for the content
scanners (:mod:`.text`, :mod:`.tables`, :mod:`.acro`) and renders
``policies/content-rules.yaml`` (``tre dev generate``). A scanner reads each rule's
parameters from the loaded :class:`~orchestrator.checks.model.RuleSet` and skips a rule
that is absent or disabled; :func:`param` falls back to the catalogue defaults.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrator.checks import catalogue_content
from orchestrator.checks.model import Rule, RuleSet
from orchestrator.checks.rulespecs import RuleSpec


def _default_rule(spec: RuleSpec) -> Rule:
    params = {
        p.name: list(p.default) if isinstance(p.default, list) else p.default for p in spec.params
    }
    return Rule(spec.id, spec.summary, spec.default_severity, params)


DEFAULTS: dict[str, Rule] = {
    spec.id: _default_rule(spec) for spec in catalogue_content.CONTENT_RULES
}


def default_content_rules(rule_set_id: str = "content-defaults") -> RuleSet:
    """A rule set holding only the content rules with their defaults (for tests and tools)."""
    return RuleSet(rule_set_id, "1", dict(DEFAULTS))


def param(rule: Rule, name: str) -> Any:
    """The rule's parameter ``name``, or the catalogue default when the rule set omits it."""
    if name in rule.params:
        return rule.params[name]
    default = DEFAULTS.get(rule.id)
    return None if default is None else default.params.get(name)


def render_content_rules_yaml() -> str:
    """``policies/content-rules.yaml``: the catalogue as a rule-set fragment to merge."""
    rules: dict[str, Any] = {}
    for rule in DEFAULTS.values():
        entry: dict[str, Any] = {"description": rule.description, "severity": str(rule.severity)}
        if rule.params:
            entry["params"] = dict(rule.params)
        rules[rule.id] = entry
    header = (
        "# Generated from orchestrator/checks/catalogue_content.py by `tre dev generate`: do not edit.\n"
        "# The content rules (identifiers, genomic text, secrets, tables) with their default\n"
        "# severities and parameters, as a fragment to merge into a rule set's `rules:`.\n"
    )
    return header + yaml.safe_dump({"rules": rules}, sort_keys=False, width=100)
