"""Fixtures for the check-engine tests: rule sets and a pipeline with test-double scanners."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.checks.engine import FileReport, check_file
from orchestrator.checks.model import RuleSet
from orchestrator.checks.rulesets import load_named_ruleset
from tests.unit.checks.doubles import Recorder

CheckBytes = Callable[..., FileReport]


@pytest.fixture(scope="session")
def default_rules() -> RuleSet:
    return load_named_ruleset("default")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def check_bytes(tmp_path: Path, default_rules: RuleSet, recorder: Recorder) -> CheckBytes:
    """Write ``data`` to ``name`` in a temporary folder and check it with the doubles."""

    def run(name: str, data: bytes, rules: RuleSet | None = None) -> FileReport:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return check_file(path, rules or default_rules, content=recorder.scanners(), name=name)

    return run


def rules_of(report: FileReport) -> set[str]:
    return {f.rule for f in report.findings}
