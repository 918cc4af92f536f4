"""The chart's alerts are valid PromQL and fire, with promtool's rule unit tests.

promtool comes from Debian's prometheus package, extracted (not installed) by
``.ci/install-tools.sh`` into the cache.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.embedded.paths import cache_dir
from tests.unit.helm_chart import by_kind, minimal_values, render

VALUES = minimal_values(
    metrics={
        "prometheusRule": {
            "enabled": True,
            "stuckInReviewHours": 48,
            "blockedFilesPerHour": 20,
            "reconcileErrorsFor": "15m",
        }
    }
)


def promtool() -> Path:
    path = cache_dir() / "promtool" / "usr" / "bin" / "promtool"
    if not path.is_file():
        pytest.fail(f"promtool is not installed: {path} is missing; run `make tools`")
    return path


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (rule,) = by_kind(render(VALUES), "PrometheusRule")
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    return path


def annotations_for(rules_file: Path, alert: str, **labels: str) -> dict[str, str]:
    """The alert's annotations as Prometheus expands them with ``labels``."""
    groups = yaml.safe_load(rules_file.read_text())["groups"]
    (rule,) = [r for g in groups for r in g["rules"] if r.get("alert") == alert]
    expanded = {}
    for key, value in rule["annotations"].items():
        for name, label in labels.items():
            value = value.replace("{{ $labels." + name + " }}", label)
        expanded[key] = value
    return expanded


def run_rule_tests(rules_file: Path, tests: list[dict[str, Any]]) -> None:
    test_file = rules_file.parent / "tests.yaml"
    test_file.write_text(
        yaml.safe_dump(
            {"rule_files": [rules_file.name], "evaluation_interval": "1m", "tests": tests}
        )
    )
    result = subprocess.run(
        [str(promtool()), "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=rules_file.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_are_valid_promql(rules_file: Path) -> None:
    result = subprocess.run(
        [str(promtool()), "check", "rules", str(rules_file)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 5 rules found" in result.stdout


def test_requests_waiting_two_days_without_a_decision_raise_an_alert(rules_file: Path) -> None:
    alert = "TreAirlockRequestStuckInReview"
    waiting = 'tre_airlock_requests{state="in_review"}'
    decisions = 'tre_airlock_time_to_decision_seconds_count{decision="approved"}'
    run_rule_tests(
        rules_file,
        [
            {
                "interval": "1m",
                "input_series": [{"series": waiting, "values": "0x60 1x3100"}],
                "alert_rule_test": [
                    {"eval_time": "47h", "alertname": alert, "exp_alerts": []},
                    {
                        "eval_time": "50h",
                        "alertname": alert,
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "warning"},
                                "exp_annotations": annotations_for(rules_file, alert),
                            }
                        ],
                    },
                ],
            },
            {
                "interval": "1m",
                "input_series": [
                    {"series": waiting, "values": "0x60 1x3100"},
                    {"series": decisions, "values": "0x1500 1x1600"},
                ],
                "alert_rule_test": [{"eval_time": "50h", "alertname": alert, "exp_alerts": []}],
            },
        ],
    )


def test_a_burst_of_blocked_files_raises_an_alert_and_a_trickle_does_not(
    rules_file: Path,
) -> None:
    alert = "TreAirlockBlockedFilesSpike"
    run_rule_tests(
        rules_file,
        [
            {
                "interval": "1m",
                "input_series": [
                    {"series": "tre_airlock_blocked_files_total", "values": "0+0.1x120 12+1x60"}
                ],
                "alert_rule_test": [
                    {"eval_time": "100m", "alertname": alert, "exp_alerts": []},
                    {
                        "eval_time": "170m",
                        "alertname": alert,
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "warning"},
                                "exp_annotations": annotations_for(rules_file, alert),
                            }
                        ],
                    },
                ],
            }
        ],
    )


def test_persistent_reconcile_errors_raise_an_alert_and_a_blip_does_not(
    rules_file: Path,
) -> None:
    alert = "TreOperatorReconcileErrors"
    run_rule_tests(
        rules_file,
        [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'tre_reconcile_errors_total{kind="vault"}', "values": "0+1x60"},
                    {"series": 'tre_reconcile_errors_total{kind="conflict"}', "values": "0 1 1x60"},
                ],
                "alert_rule_test": [
                    {"eval_time": "10m", "alertname": alert, "exp_alerts": []},
                    {
                        "eval_time": "30m",
                        "alertname": alert,
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "warning", "kind": "vault"},
                                "exp_annotations": annotations_for(rules_file, alert, kind="vault"),
                            }
                        ],
                    },
                ],
            }
        ],
    )
