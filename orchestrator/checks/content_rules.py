"""The content rules: identifiers, genomic text, secrets and table disclosure control.

This is the authoritative list of the rules the content scanners (:mod:`.text`,
:mod:`.tables`, :mod:`.acro`) understand, with their default severities and
parameters. ``policies/content-rules.yaml`` is generated from it (``tre dev generate``)
so the shipped rule sets can be checked against it. A scanner reads each rule's
parameters from the loaded :class:`~orchestrator.checks.model.RuleSet` and skips a rule
that is absent or disabled; :func:`param` falls back to the defaults below.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrator.checks.model import Rule, RuleSet, Severity

_B = Severity.BLOCK
_R = Severity.REVIEW

CONTENT_RULES: list[Rule] = [
    # --- direct identifiers ---------------------------------------------------------
    Rule(
        "identifiers.nhs_number",
        "NHS numbers with a valid modulus-11 check digit (plain, or 3-3-4 spaced or dashed).",
        _B,
    ),
    Rule("identifiers.uk_postcode", "Full UK postcodes (outward and inward code).", _B),
    Rule("identifiers.email", "E-mail addresses.", _R),
    Rule(
        "identifiers.phone",
        "UK and international phone numbers; unformatted digit strings only next to a phone word.",
        _R,
    ),
    Rule("identifiers.ni_number", "National Insurance numbers with a valid prefix.", _B),
    Rule(
        "identifiers.date_of_birth",
        "Dates in a birth context: DOB, born, date of birth nearby, or a DOB-like table column.",
        _B,
        {"context_chars": 40},
    ),
    Rule(
        "identifiers.project_pattern",
        "Participant or sample identifiers matching the project's declared regular expressions.",
        _B,
        {"patterns": []},
    ),
    # --- genomic content in text ----------------------------------------------------
    Rule(
        "genomic.text.nucleotide_run",
        "Long runs of nucleotide letters (A, C, G, T, N): sequence data.",
        _R,
        {"min_length": 30},
    ),
    Rule(
        "genomic.text.rsid_density",
        "Dense lists of variant identifiers (rsIDs): genotype or variant-level data.",
        _R,
        {"min_count": 20, "min_fraction": 0.5},
    ),
    # --- secrets --------------------------------------------------------------------
    Rule(
        "secrets.cloud_keys",
        "Cloud credentials: AWS access key ids, Azure storage connection strings and SAS signatures.",
        _B,
    ),
    Rule(
        "secrets.tokens",
        "API tokens: GitHub, Slack, JSON Web Tokens and bearer tokens.",
        _B,
    ),
    Rule(
        "secrets.private_keys",
        "PEM private keys, including the private_key of a GCP service-account file.",
        _B,
    ),
    Rule(
        "secrets.high_entropy",
        "Long base64 or hex strings with high Shannon entropy: encoded keys or smuggled data.",
        _R,
        {"min_length": 32, "min_entropy": 4.5, "min_entropy_hex": 3.0},
    ),
    # --- tables: statistical disclosure control --------------------------------------
    Rule(
        "tables.min_cell_count",
        "Counts in a frequency table from 1 to threshold-1 (minimum cell count).",
        _B,
        {"threshold": 10},
    ),
    Rule("tables.zeros", "Zero counts in a frequency table (structural or disclosive).", _R),
    Rule(
        "tables.rounding",
        "Counts that are not multiples of the rounding base the profile requires (no base: off).",
        _B,
        {"base": None},
    ),
    Rule(
        "tables.row_level_data",
        "Row-level data passed off as an aggregate: unique identifier-like values or unique"
        " quasi-identifier combinations on most rows.",
        _B,
        {"min_rows": 20, "max_unique_fraction": 0.5},
    ),
    Rule(
        "tables.dominance",
        "Cells dominated by their largest contributors (N,K rule), from contributor-level evidence.",
        _B,
        {"n": 2, "k": 0.9},
    ),
    Rule(
        "tables.p_percent",
        "Cells where a contributor can be estimated within p of its value, from contributor-level"
        " evidence.",
        _B,
        {"p": 0.1},
    ),
    Rule(
        "tables.acro_evidence",
        "ACRO results.json: output checksums verified and each output's status recomputed.",
        _B,
    ),
]

DEFAULTS: dict[str, Rule] = {rule.id: rule for rule in CONTENT_RULES}


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
    for rule in CONTENT_RULES:
        entry: dict[str, Any] = {"description": rule.description, "severity": str(rule.severity)}
        if rule.params:
            entry["params"] = dict(rule.params)
        rules[rule.id] = entry
    header = (
        "# Generated from orchestrator/checks/content_rules.py by `tre dev generate`: do not edit.\n"
        "# The content rules (identifiers, genomic text, secrets, tables) with their default\n"
        "# severities and parameters, as a fragment to merge into a rule set's `rules:`.\n"
    )
    return header + yaml.safe_dump({"rules": rules}, sort_keys=False, width=100)
