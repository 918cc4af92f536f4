"""A project's phase follows from its conditions; expiry suspends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.domain.projects.conditions import (
    CONDITION_TYPES,
    PHASES,
    Condition,
    ConditionType,
    is_expired,
    is_suspended,
    merge_conditions,
    phase,
)
from tests.unit.projects.examples import spec

ALL_TRUE = [Condition(t, "True", "Done") for t in CONDITION_TYPES]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_condition_types_are_the_documented_five() -> None:
    assert [str(t) for t in CONDITION_TYPES] == [
        "NamespaceReady",
        "NetworkIsolated",
        "VaultReady",
        "StorageReady",
        "HubReady",
    ]
    assert [str(p) for p in PHASES] == [
        "Pending",
        "Ready",
        "Degraded",
        "Suspended",
        "Invalid",
        "Terminating",
    ]


@pytest.mark.parametrize(
    ("conditions", "flags", "expected"),
    [
        (ALL_TRUE, {}, "Ready"),
        (ALL_TRUE[:3], {}, "Pending"),
        ([*ALL_TRUE[:4], Condition(ConditionType.HUB_READY, "Unknown", "Starting")], {}, "Pending"),
        ([*ALL_TRUE[:4], Condition(ConditionType.HUB_READY, "False", "CrashLoop")], {}, "Degraded"),
        (ALL_TRUE, {"suspended": True}, "Suspended"),
        (ALL_TRUE, {"invalid": True, "suspended": True}, "Invalid"),
        (ALL_TRUE, {"terminating": True, "invalid": True}, "Terminating"),
        ([], {}, "Pending"),
    ],
)
def test_phase(conditions: list[Condition], flags: dict[str, bool], expected: str) -> None:
    options = {"suspended": False, "invalid": False, **flags}
    assert phase(conditions, **options) == expected


def test_a_project_expires_at_its_expiry_moment() -> None:
    expiring = spec(expiresAt="2026-01-01T00:00:00Z")
    assert not is_expired(expiring, NOW - timedelta(seconds=1))
    assert is_expired(expiring, NOW)
    assert is_suspended(expiring, NOW)
    assert not is_expired(spec(expiresAt=None), NOW + timedelta(days=10_000))
    assert is_suspended(spec(suspended=True, expiresAt=None), NOW)


def test_an_unchanged_condition_keeps_its_transition_time() -> None:
    first = merge_conditions([], Condition(ConditionType.HUB_READY, "True", "Running"), NOW)
    later = NOW + timedelta(hours=1)
    again = merge_conditions(first, Condition(ConditionType.HUB_READY, "True", "Running"), later)
    assert again == first
    changed = merge_conditions(
        first, Condition(ConditionType.HUB_READY, "False", "Crash", "x"), later
    )
    assert changed[0]["lastTransitionTime"] == "2026-01-01T01:00:00Z"
    ordered = merge_conditions(changed, Condition(ConditionType.NAMESPACE_READY, "True", "Ok"), NOW)
    assert [c["type"] for c in ordered] == ["NamespaceReady", "HubReady"]
