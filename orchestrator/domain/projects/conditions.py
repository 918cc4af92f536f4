"""A project's conditions and phase, as data.

Each condition is ``True`` (done), ``Unknown`` (in progress) or ``False`` (broken, with
a reason and a message a person can act on). The phase summarises them:

| phase       | when                                                      |
|-------------|-----------------------------------------------------------|
| Terminating | the resource is being deleted                             |
| Invalid     | the spec cannot be applied (see the message)              |
| Suspended   | suspended by hand or past ``expiresAt``                   |
| Degraded    | a condition is ``False``                                  |
| Ready       | every condition is ``True``                               |
| Pending     | otherwise: some condition is missing or ``Unknown``       |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from orchestrator.domain.projects.spec import ProjectSpec


class ConditionType(StrEnum):
    """What the controller reports on, in the order it gets there."""

    NAMESPACE_READY = "NamespaceReady"
    NETWORK_ISOLATED = "NetworkIsolated"
    VAULT_READY = "VaultReady"
    STORAGE_READY = "StorageReady"
    HUB_READY = "HubReady"


CONDITION_TYPES: tuple[ConditionType, ...] = tuple(ConditionType)


class Phase(StrEnum):
    PENDING = "Pending"
    READY = "Ready"
    DEGRADED = "Degraded"
    SUSPENDED = "Suspended"
    INVALID = "Invalid"
    TERMINATING = "Terminating"


PHASES: tuple[Phase, ...] = tuple(Phase)

Status = Literal["True", "False", "Unknown"]


@dataclass(frozen=True)
class Condition:
    """One condition as Kubernetes shows it (``lastTransitionTime`` is added on write)."""

    type: ConditionType
    status: Status
    reason: str
    """CamelCase, machine-readable (e.g. ``PoliciesApplied``)."""
    message: str = ""
    """A sentence for people: what is wrong and what to do."""

    def as_dict(self, transitioned: datetime) -> dict[str, str]:
        return {
            "type": str(self.type),
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "lastTransitionTime": transitioned.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def phase(
    conditions: Iterable[Condition],
    *,
    suspended: bool,
    invalid: bool,
    terminating: bool = False,
) -> str:
    """The phase shown for a project (see the module's table)."""
    if terminating:
        return Phase.TERMINATING
    if invalid:
        return Phase.INVALID
    if suspended:
        return Phase.SUSPENDED
    by_type = {c.type: c.status for c in conditions}
    if "False" in by_type.values():
        return Phase.DEGRADED
    if all(by_type.get(t) == "True" for t in CONDITION_TYPES):
        return Phase.READY
    return Phase.PENDING


def is_expired(spec: ProjectSpec, now: datetime) -> bool:
    """Whether the data-use agreement has ended (``now`` must be time-zone aware)."""
    return spec.expires_at is not None and now >= spec.expires_at


def is_suspended(spec: ProjectSpec, now: datetime) -> bool:
    """Suspended by hand, or because it expired."""
    return spec.suspended or is_expired(spec, now)


def suspension(spec: ProjectSpec, now: datetime) -> str | None:
    """Why the project is suspended now (a sentence), or None if it is not."""
    if spec.suspended:
        return "suspended by hand (spec.suspended)"
    if is_expired(spec, now) and spec.expires_at is not None:
        return f"its data-use agreement ended at {spec.expires_at.isoformat()} (spec.expiresAt)"
    return None


def merge_conditions(
    current: Iterable[dict[str, str]], update: Condition, now: datetime
) -> list[dict[str, str]]:
    """``current`` with ``update`` applied, keeping the transition time if the status is
    unchanged (so an unchanged project writes an unchanged status)."""
    merged: list[dict[str, str]] = []
    replaced = False
    for existing in current:
        if existing.get("type") == update.type:
            unchanged = existing.get("status") == update.status
            entry = update.as_dict(now)
            if unchanged and "lastTransitionTime" in existing:
                entry["lastTransitionTime"] = existing["lastTransitionTime"]
            merged.append(entry)
            replaced = True
        else:
            merged.append(dict(existing))
    if not replaced:
        merged.append(update.as_dict(now))
    order: dict[str, int] = {str(t): i for i, t in enumerate(CONDITION_TYPES)}
    return sorted(merged, key=lambda c: order.get(c.get("type", ""), len(order)))
