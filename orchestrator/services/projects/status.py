"""The ResearchProject ``status`` a reconcile result stands for, and what changed in it.

``lastTransitionTime`` of a condition moves only when its status flips, so an unchanged
project yields an identical status and the operator writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orchestrator.domain.projects.conditions import (
    CONDITION_TYPES,
    Condition,
    ConditionType,
    Phase,
    merge_conditions,
    phase,
)
from orchestrator.services.projects.results import ReconcileResult


def project_status(
    result: ReconcileResult,
    previous: Mapping[str, Any],
    *,
    generation: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The status to store for ``result``, carrying over unchanged transition times."""
    conditions: list[dict[str, str]] = [dict(c) for c in previous.get("conditions") or ()]
    for condition in result.conditions:
        conditions = merge_conditions(conditions, condition, now)
    status: dict[str, Any] = {
        "phase": _phase(result, conditions),
        "message": result.message,
        "conditions": conditions,
        "namespace": result.namespace,
        "buckets": list(result.buckets),
    }
    if generation is not None:
        status["observedGeneration"] = generation
    return status


def _phase(result: ReconcileResult, conditions: list[dict[str, str]]) -> str:
    """The phase of all the conditions now known, not only those ``result`` covered."""
    if result.phase == Phase.INVALID:
        return result.phase
    known = [
        Condition(ConditionType(c["type"]), c["status"], c.get("reason", ""))  # type: ignore[arg-type]
        for c in conditions
        if c.get("type") in CONDITION_TYPES
    ]
    return phase(known, suspended=result.suspended, invalid=False)


def status_patch(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch turning ``current`` into ``desired``: only the keys that differ
    (an empty value that is absent now counts as unchanged)."""
    return {
        key: value
        for key, value in desired.items()
        if current.get(key) != value and (value or key in current)
    }
