"""What a reconcile or a teardown found and did, for the operator to report.

A result is plain data: the project's phase and per-area conditions (without
``lastTransitionTime``, which :mod:`orchestrator.services.projects.status` carries over),
the significant changes made (posted as Kubernetes Events), how many writes it took, and,
when a dependency could not be reached, which one (so the caller retries with backoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.domain.projects.conditions import Condition


@dataclass(frozen=True)
class Change:
    """Something a person would want to know happened (posted as an Event on the project)."""

    reason: str
    """CamelCase: Created, DriftRestored, Suspended, Resumed, InvalidSpec, ..."""
    message: str
    warning: bool = False


@dataclass(frozen=True)
class ReconcileResult:
    """The outcome of one reconcile of one project."""

    phase: str
    """Pending, Ready, Suspended, Invalid or Degraded (see :mod:`~orchestrator.domain.projects.conditions`)."""
    conditions: tuple[Condition, ...]
    """The conditions found; none when the spec is invalid (the last ones stay)."""
    message: str = ""
    """What a person should do, when the phase needs it (the problems of an invalid spec)."""
    suspended: bool = False
    """Suspended by hand or by expiry."""
    namespace: str | None = None
    buckets: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    """What was created, changed or deleted in Kubernetes, Vault and storage."""
    changes: tuple[Change, ...] = ()
    unavailable: str | None = None
    """``VaultUnavailable``, ``StorageUnavailable`` or ``KubernetesUnavailable`` when a
    dependency could not be reached: the caller retries with backoff."""
    unavailable_message: str = ""
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    """Seconds spent per area (kubernetes, vault, storage), for measurements."""

    @property
    def writes(self) -> int:
        return len(self.written)


@dataclass(frozen=True)
class TeardownResult:
    """The outcome of removing a project; ``unavailable`` set means try again later."""

    writes: int = 0
    unavailable: str | None = None
    unavailable_message: str = ""
    retained: tuple[str, ...] = ()
    """Buckets kept or archived, per the project's retention."""
