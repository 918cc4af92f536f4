"""The stored status: transition times kept, phase from every known condition, minimal patches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestrator.domain.projects.conditions import Condition, ConditionType
from orchestrator.services.projects.results import ReconcileResult
from orchestrator.services.projects.status import project_status, status_patch

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CORE = (
    Condition(ConditionType.NAMESPACE_READY, "True", "Applied"),
    Condition(ConditionType.NETWORK_ISOLATED, "True", "PoliciesApplied"),
    Condition(ConditionType.VAULT_READY, "True", "Configured"),
    Condition(ConditionType.HUB_READY, "True", "Available"),
)
STORAGE = (Condition(ConditionType.STORAGE_READY, "True", "Provisioned"),)


def result(*conditions: Condition, phase: str = "Ready") -> ReconcileResult:
    return ReconcileResult(phase=phase, conditions=conditions, namespace="tre-gen")


def test_a_project_is_pending_until_its_storage_is_known_then_ready() -> None:
    first = project_status(result(*CORE), {}, generation=1, now=NOW)
    assert first["phase"] == "Pending"

    second = project_status(result(*STORAGE), first, generation=1, now=NOW + timedelta(1))

    assert second["phase"] == "Ready"
    assert status_patch(first, second) == {
        "phase": "Ready",
        "conditions": second["conditions"],
    }


def test_transition_times_move_only_when_a_status_flips() -> None:
    ready = project_status(result(*CORE, *STORAGE), {}, generation=1, now=NOW)
    later = NOW + timedelta(hours=2)
    down = Condition(ConditionType.VAULT_READY, "False", "VaultUnavailable", "refused")

    again = project_status(result(*CORE, *STORAGE), ready, generation=1, now=later)
    degraded = project_status(result(down), ready, generation=1, now=later)

    assert status_patch(ready, again) == {}
    times = {c["type"]: c["lastTransitionTime"] for c in degraded["conditions"]}
    assert times["VaultReady"] == "2026-06-01T14:00:00Z"
    assert times["NamespaceReady"] == "2026-06-01T12:00:00Z"
    assert degraded["phase"] == "Degraded"


def test_an_invalid_spec_keeps_the_last_conditions_and_says_why() -> None:
    ready = project_status(result(*CORE, *STORAGE), {}, generation=1, now=NOW)
    invalid = ReconcileResult(phase="Invalid", conditions=(), message="spec.tier: too high")

    status = project_status(invalid, ready, generation=2, now=NOW)

    assert status["phase"] == "Invalid"
    assert status["message"] == "spec.tier: too high"
    assert status["conditions"] == ready["conditions"]
    assert status["observedGeneration"] == 2
