"""Loading rule sets from YAML: validation, ``extends`` chains, tighten-only overrides.

Public API:

- :func:`load_ruleset` reads a rule-set file (following ``extends``) into a :class:`RuleSet`.
- :func:`load_named_ruleset` finds ``default`` or ``tier0``..``tier3`` under ``policies/``.
- :func:`apply_override` applies an override document on top of a rule set; with
  ``tighten_only`` (a project's override on top of its operator's rules) any loosening
  is refused with an error naming the file, the rule and the field.
- :func:`ruleset_digest` fingerprints the effective rules for the disclosure-control record.

Every problem raises :class:`RuleSetError`, whose message names the file, the rule and
the field, e.g. ``policies/x.yaml: rule `tables.min_cell_count`: field `threshold`: must
be an integer ≥ 1``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import yaml

from orchestrator.checks._jsonschema import jsonschema
from orchestrator.checks.catalogue import CATALOGUE
from orchestrator.checks.model import Rule, RuleSet, Severity
from orchestrator.checks.rulespecs import ParamSpec
from orchestrator.checks.schema import make_ruleset_schema

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
_VALIDATOR = jsonschema.Draft202012Validator(make_ruleset_schema())


class RuleSetError(ValueError):
    """A rule-set file is wrong; the message says where and what to do."""


def load_named_ruleset(name: str, policies_dir: Path = POLICIES_DIR) -> RuleSet:
    """``default`` or a tier profile (``tier0``..``tier3``, or ``0``..``3``) from ``policies/``."""
    return load_ruleset(_resolve_name(name if not name.isdigit() else f"tier{name}", policies_dir))


def load_ruleset(path: Path, policies_dir: Path = POLICIES_DIR) -> RuleSet:
    """Load and validate ``path``, following its ``extends`` chain."""
    return _load(path, policies_dir, seen=())


def apply_override(
    base: RuleSet, doc: Mapping[str, Any], source: str, *, tighten_only: bool
) -> RuleSet:
    """``base`` with the rules ``doc`` configures; refuse any loosening if ``tighten_only``."""
    _validate(doc, source)
    if "extends" in doc:
        raise RuleSetError(
            f"{source}: field `extends`: an override applies to the rule set it is given; remove `extends`"
        )
    derived = _merge(base, doc, source)
    if tighten_only:
        problems = list(_loosenings(base, derived, source))
        if problems:
            raise RuleSetError("\n".join(problems))
    return replace(derived, id=f"{base.id}+{doc['id']}", version=f"{base.version}+{doc['version']}")


def load_override(path: Path) -> dict[str, Any]:
    """Read an override document (validated when applied)."""
    return _read_yaml(path)


def ruleset_digest(rules: RuleSet) -> str:
    """SHA-256 of the effective rules, so a report names exactly what was applied."""
    canonical = {
        rule_id: {
            "severity": str(rule.severity),
            "enabled": rule.enabled,
            "params": dict(rule.params),
        }
        for rule_id, rule in sorted(rules.rules.items())
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _resolve_name(name: str, policies_dir: Path) -> Path:
    for candidate in (policies_dir / f"{name}.yaml", policies_dir / "tiers" / f"{name}.yaml"):
        if candidate.is_file():
            return candidate
    raise RuleSetError(
        f"no rule set named `{name}` in {policies_dir} (use `default`, `tier0`..`tier3` or a path)"
    )


def _load(path: Path, policies_dir: Path, seen: tuple[Path, ...]) -> RuleSet:
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise RuleSetError(f"{path}: `extends` goes round in a circle: {chain}")
    doc = _read_yaml(path)
    source = str(path)
    _validate(doc, source)
    parent_ref = doc.get("extends")
    if parent_ref is None:
        _check_complete(doc, source)
        base = RuleSet(id=doc["id"], version=doc["version"], rules={})
    else:
        parent_path = (
            (path.parent / parent_ref)
            if parent_ref.endswith((".yaml", ".yml"))
            else _resolve_name(parent_ref, policies_dir)
        )
        base = _load(parent_path, policies_dir, (*seen, resolved))
    derived = _merge(base, doc, source)
    return replace(derived, id=doc["id"], version=str(doc["version"]))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleSetError(f"{path}: cannot read the rule set: {exc.strerror or exc}") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RuleSetError(f"{path}: a rule set is a mapping with `id`, `version` and `rules`")
    return doc


def _validate(doc: Mapping[str, Any], source: str) -> None:
    errors = sorted(_VALIDATOR.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        messages = dict.fromkeys(_describe(error, source) for error in errors)
        raise RuleSetError("\n".join(messages))
    problems = []
    for rule_id, entry in (doc.get("rules") or {}).items():
        for param in CATALOGUE[rule_id].params:
            value = (entry.get("params") or {}).get(param.name)
            if param.regex and value:
                for pattern in value:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        problems.append(
                            f"{source}: rule `{rule_id}`: field `{param.name}`: "
                            f"`{pattern}` is not a valid regular expression ({exc})"
                        )
    if problems:
        raise RuleSetError("\n".join(problems))


def _describe(error: jsonschema.ValidationError, source: str) -> str:
    path = [str(p) for p in error.absolute_path]
    if not path:
        if error.validator == "additionalProperties":
            allowed = "`id`, `version`, `description`, `extends`, `rules`"
            return f"{source}: {error.message}; the fields of a rule set are {allowed}"
        if error.validator == "required":
            return f"{source}: {error.message}"
        return f"{source}: {error.message}"
    if path[0] != "rules":
        return f"{source}: field `{path[0]}`: {_plain(error)}"
    if len(path) == 1:
        if error.validator == "additionalProperties":
            unknown = sorted(set(cast(dict[str, Any], error.instance)) - set(CATALOGUE))
            names = ", ".join(f"`{u}`" for u in unknown)
            return (
                f"{source}: unknown rule {names} "
                "(the known rules are listed in docs/reference/export-rules.md)"
            )
        return f"{source}: field `rules`: must be a mapping of rule ids to rule settings"
    rule_id = path[1]
    spec = CATALOGUE[rule_id]
    prefix = f"{source}: rule `{rule_id}`"
    if len(path) == 2:
        if error.validator == "additionalProperties":
            extra = sorted(
                set(cast(dict[str, Any], error.instance))
                - {"description", "severity", "enabled", "params"}
            )
            return f"{prefix}: unknown field `{extra[0] if extra else '?'}` (fields: description, severity, enabled, params)"
        return f"{prefix}: must be a mapping with description, severity, enabled, params"
    field = path[2]
    if field == "severity":
        return f"{prefix}: field `severity`: must be `review` or `block`"
    if field == "enabled":
        return f"{prefix}: field `enabled`: must be true or false"
    if field == "description":
        return f"{prefix}: field `description`: must be a non-empty string"
    if len(path) == 3:
        if error.validator == "additionalProperties":
            extra = sorted(
                set(cast(dict[str, Any], error.instance)) - {p.name for p in spec.params}
            )
            known = ", ".join(p.name for p in spec.params) or "none"
            return f"{prefix}: unknown field `{extra[0] if extra else '?'}` (this rule's parameters: {known})"
        return f"{prefix}: field `params`: must be a mapping"
    param = spec.param(path[3])
    if param is None:  # pragma: no cover - the schema only admits known parameters
        return f"{prefix}: field `{path[3]}`: {_plain(error)}"
    return f"{prefix}: field `{param.name}`: {describe_param(param)}"


def _plain(error: jsonschema.ValidationError) -> str:
    return error.message


def describe_param(param: ParamSpec) -> str:
    """What a valid value of ``param`` looks like, in words."""
    if param.type == "boolean":
        return "must be true or false"
    if param.type == "string_list":
        if param.choices:
            return "must be a list of distinct values from: " + ", ".join(param.choices)
        return "must be a list of distinct non-empty strings"
    if param.type == "string":
        return "must be a string"
    noun = "an integer" if param.type == "integer" else "a number"
    bounds = []
    if param.minimum is not None:
        bounds.append(f"≥ {_num(param.minimum)}")
    if param.maximum is not None:
        bounds.append(f"≤ {_num(param.maximum)}")
    text = f"must be {noun}" + (" " + " and ".join(bounds) if bounds else "")
    return text + " or null" if param.nullable else text


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_complete(doc: Mapping[str, Any], source: str) -> None:
    rules = doc.get("rules", {})
    problems = []
    for rule_id, spec in sorted(CATALOGUE.items()):
        entry = rules.get(rule_id)
        if entry is None:
            problems.append(
                f"{source}: rule `{rule_id}` is missing (a rule set without `extends` configures every rule)"
            )
            continue
        if "description" not in entry:
            problems.append(f"{source}: rule `{rule_id}`: field `description` is missing")
        params = entry.get("params", {})
        for param in spec.params:
            if param.name not in params:
                problems.append(f"{source}: rule `{rule_id}`: field `{param.name}` is missing")
    if problems:
        raise RuleSetError("\n".join(problems))


def _merge(base: RuleSet, doc: Mapping[str, Any], source: str) -> RuleSet:
    rules = dict(base.rules)
    for rule_id, entry in (doc.get("rules") or {}).items():
        spec = CATALOGUE[rule_id]
        old = rules.get(rule_id)
        severity = entry.get("severity")
        rules[rule_id] = Rule(
            id=rule_id,
            description=entry.get("description", old.description if old else spec.summary),
            severity=Severity(severity)
            if severity
            else (old.severity if old else spec.default_severity),
            params={**(dict(old.params) if old else {}), **(entry.get("params") or {})},
            enabled=entry.get("enabled", old.enabled if old else True),
        )
    return RuleSet(id=base.id, version=base.version, rules=rules)


def _loosenings(base: RuleSet, derived: RuleSet, source: str) -> list[str]:
    problems: list[str] = []
    for rule_id, new in sorted(derived.rules.items()):
        old = base.rules.get(rule_id)
        if old is None or not old.enabled:
            continue
        prefix = f"{source}: rule `{rule_id}`"
        if not new.enabled:
            problems.append(
                f"{prefix}: field `enabled`: disabling a rule loosens it; an override may only tighten"
            )
            continue
        if old.severity == Severity.BLOCK and new.severity == Severity.REVIEW:
            problems.append(
                f"{prefix}: field `severity`: `review` loosens `block`; an override may only tighten"
            )
        for param in CATALOGUE[rule_id].params:
            before, after = old.params.get(param.name), new.params.get(param.name)
            if before is not None and after != before and not _tightens(param, before, after):
                problems.append(
                    f"{prefix}: field `{param.name}`: {_show(after)} loosens {_show(before)} "
                    f"({_direction(param)}); an override may only tighten"
                )
    return problems


def _tightens(param: ParamSpec, before: Any, after: Any) -> bool:
    if param.nullable and (before is None or after is None):
        return after is not None  # setting a value turns a check on; null turns it off
    match param.tighten:
        case "lower":
            return bool(after <= before)
        case "higher":
            return bool(after >= before)
        case "true":
            return after is True or before is False
        case "false":
            return after is False or before is True
        case "subset":
            return set(after) <= set(before)
        case "superset":
            return set(after) >= set(before)
        case _:
            return bool(after == before)


def _direction(param: ParamSpec) -> str:
    return {
        "lower": "it may only be lowered",
        "higher": "it may only be raised",
        "true": "it may only be set to true",
        "false": "it may only be set to false",
        "subset": "entries may only be removed",
        "superset": "entries may only be added",
        "fixed": "it may not be changed",
    }[param.tighten]


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else f"`{value}`"
