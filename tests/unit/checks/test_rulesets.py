"""Rule sets are data: validated with errors naming file, rule and field; overrides only tighten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.checks.catalogue import CATALOGUE
from orchestrator.checks.model import Severity
from orchestrator.checks.rulesets import (
    POLICIES_DIR,
    RuleSetError,
    apply_override,
    load_named_ruleset,
    load_ruleset,
    ruleset_digest,
)


def write(path: Path, doc: object) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


def test_default_ruleset_configures_every_rule_in_the_catalogue() -> None:
    rules = load_named_ruleset("default")
    assert set(rules.rules) == set(CATALOGUE)
    assert rules.id == "default"
    assert rules.rules["limits.file_size"].params["max_bytes"] == 16 * 1024 * 1024
    assert rules.rules["limits.table_rows"].params["max_rows"] == 5000
    assert rules.rules["tables.min_cell_count"].params["threshold"] == 10


@pytest.mark.parametrize("tier", ["tier0", "tier1", "tier2", "tier3", "0", "3"])
def test_tier_profiles_extend_the_default(tier: str) -> None:
    rules = load_named_ruleset(tier)
    assert set(rules.rules) == set(CATALOGUE)


def test_tiers_go_from_permissive_to_strict() -> None:
    tier0, tier3 = load_named_ruleset("tier0"), load_named_ruleset("tier3")
    assert (
        tier0.rules["limits.file_size"].params["max_bytes"]
        > tier3.rules["limits.file_size"].params["max_bytes"]
    )
    assert tier0.rules["tables.min_cell_count"].severity == Severity.REVIEW
    assert tier3.rules["malware.clamav"].params["required"] is True
    assert tier3.rules["tables.rounding"].params["base"] == 5
    assert set(tier3.rules["type.allowlist"].params["allowed"]) < set(
        tier0.rules["type.allowlist"].params["allowed"]
    )


def test_a_bad_parameter_names_the_file_the_rule_and_the_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        {
            "id": "x",
            "version": "1",
            "extends": "default",
            "rules": {"tables.min_cell_count": {"params": {"threshold": 0}}},
        },
    )
    with pytest.raises(RuleSetError) as error:
        load_ruleset(path)
    assert (
        str(error.value)
        == f"{path}: rule `tables.min_cell_count`: field `threshold`: must be an integer ≥ 1"
    )


def test_a_parameter_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        {
            "id": "x",
            "version": "1",
            "extends": "default",
            "rules": {"limits.file_size": {"params": {"max_bytes": "big"}}},
        },
    )
    with pytest.raises(
        RuleSetError, match=r"rule `limits.file_size`: field `max_bytes`: must be an integer ≥ 1"
    ):
        load_ruleset(path)


def test_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        {"id": "x", "version": "1", "extends": "default", "rules": {"tables.min_cel_count": {}}},
    )
    with pytest.raises(RuleSetError, match=r"x.yaml: unknown rule `tables.min_cel_count`"):
        load_ruleset(path)


def test_an_unknown_parameter_is_refused_listing_the_known_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        {
            "id": "x",
            "version": "1",
            "extends": "default",
            "rules": {"limits.file_size": {"params": {"max": 3}}},
        },
    )
    with pytest.raises(
        RuleSetError,
        match=r"rule `limits.file_size`: unknown field `max` \(this rule's parameters: max_bytes\)",
    ):
        load_ruleset(path)


def test_a_bad_severity_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        {
            "id": "x",
            "version": "1",
            "extends": "default",
            "rules": {"names.hidden": {"severity": "warn"}},
        },
    )
    with pytest.raises(
        RuleSetError, match=r"rule `names.hidden`: field `severity`: must be `review` or `block`"
    ):
        load_ruleset(path)


def test_a_base_ruleset_must_configure_every_rule(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", {"id": "x", "version": "1", "rules": {}})
    with pytest.raises(RuleSetError, match=r"rule `archive.limits` is missing"):
        load_ruleset(path)


def test_missing_id_and_invalid_yaml_are_reported(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="'id' is a required property"):
        load_ruleset(write(tmp_path / "a.yaml", {"version": "1", "extends": "default"}))
    bad = tmp_path / "b.yaml"
    bad.write_text("rules: [unclosed")
    with pytest.raises(RuleSetError, match=r"b\.yaml: not valid YAML"):
        load_ruleset(bad)


def test_extends_cycles_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", {"id": "a", "version": "1", "extends": "b.yaml"})
    write(tmp_path / "b.yaml", {"id": "b", "version": "1", "extends": "a.yaml"})
    with pytest.raises(RuleSetError, match="circle"):
        load_ruleset(tmp_path / "a.yaml")


def test_a_project_override_may_tighten() -> None:
    base = load_named_ruleset("default")
    override = {
        "id": "proj",
        "version": "2",
        "rules": {
            "tables.min_cell_count": {"params": {"threshold": 20}},
            "names.hidden": {"severity": "block"},
            "type.allowlist": {"params": {"allowed": ["csv", "png"]}},
            "identifiers.project_pattern": {"params": {"patterns": ["P[0-9]{6}"]}},
            "tables.rounding": {"params": {"base": 10}},
        },
    }
    rules = apply_override(base, override, "proj.yaml", tighten_only=True)
    assert rules.id == "default+proj"
    assert rules.version == "1.0.0+2"
    assert rules.rules["tables.min_cell_count"].params["threshold"] == 20
    assert rules.rules["names.hidden"].severity == Severity.BLOCK
    assert ruleset_digest(rules) != ruleset_digest(base)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"tables.min_cell_count": {"params": {"threshold": 5}}}, "threshold"),
        ({"limits.file_size": {"params": {"max_bytes": 10**12}}}, "max_bytes"),
        ({"names.unsafe_characters": {"severity": "review"}}, "severity"),
        ({"identifiers.email": {"enabled": False}}, "enabled"),
        ({"type.allowlist": {"params": {"allowed": ["csv", "pickle"]}}}, "allowed"),
        ({"archive.limits": {"params": {"max_depth": 9}}}, "max_depth"),
    ],
)
def test_a_project_override_that_loosens_is_refused_naming_rule_and_field(
    entry: dict[str, object], field: str
) -> None:
    base = load_named_ruleset("default")
    with pytest.raises(RuleSetError) as error:
        apply_override(
            base, {"id": "p", "version": "1", "rules": entry}, "proj.yaml", tighten_only=True
        )
    rule_id = next(iter(entry))
    assert f"proj.yaml: rule `{rule_id}`: field `{field}`" in str(error.value)
    assert "may only tighten" in str(error.value)


def test_operator_limits_cannot_be_loosened_by_the_project() -> None:
    base = load_named_ruleset("default")
    operator = {
        "id": "ops",
        "version": "1",
        "rules": {"limits.file_size": {"params": {"max_bytes": 1000}}},
    }
    limited = apply_override(base, operator, "ops.yaml", tighten_only=False)
    project = {
        "id": "p",
        "version": "1",
        "rules": {"limits.file_size": {"params": {"max_bytes": 5000}}},
    }
    with pytest.raises(RuleSetError, match=r"field `max_bytes`: 5000 loosens 1000"):
        apply_override(limited, project, "proj.yaml", tighten_only=True)


def test_an_override_cannot_extend(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="remove `extends`"):
        apply_override(
            load_named_ruleset("default"),
            {"id": "p", "version": "1", "extends": "tier0"},
            "p.yaml",
            tighten_only=True,
        )


def test_policies_folder_is_where_the_loader_looks() -> None:
    assert (POLICIES_DIR / "default.yaml").is_file()


def test_turning_rounding_off_again_is_a_loosening() -> None:
    tier3 = load_named_ruleset("tier3")
    with pytest.raises(RuleSetError, match=r"rule `tables.rounding`: field `base`: null loosens 5"):
        apply_override(
            tier3,
            {"id": "p", "version": "1", "rules": {"tables.rounding": {"params": {"base": None}}}},
            "p.yaml",
            tighten_only=True,
        )
    changed = {"id": "p", "version": "1", "rules": {"tables.rounding": {"params": {"base": 10}}}}
    with pytest.raises(RuleSetError, match="it may not be changed"):
        apply_override(tier3, changed, "p.yaml", tighten_only=True)


def test_a_nullable_parameter_names_null_in_its_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        {
            "id": "x",
            "version": "1",
            "extends": "default",
            "rules": {"tables.rounding": {"params": {"base": 1}}},
        },
    )
    with pytest.raises(RuleSetError, match=r"field `base`: must be an integer ≥ 2 or null"):
        load_ruleset(path)


def test_project_patterns_must_be_valid_regular_expressions() -> None:
    doc = {
        "id": "p",
        "version": "1",
        "rules": {"identifiers.project_pattern": {"params": {"patterns": ["P[0-9"]}}},
    }
    with pytest.raises(
        RuleSetError,
        match=r"p.yaml: rule `identifiers.project_pattern`: field `patterns`: `P\[0-9` is not a valid",
    ):
        apply_override(load_named_ruleset("default"), doc, "p.yaml", tighten_only=True)
