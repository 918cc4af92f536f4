"""Prometheus metrics of the project controller, in a registry owned by one controller.

``tre_reconcile_errors_total{kind}`` is what the chart's ``TreOperatorReconcileErrors``
alert watches (``templates/monitoring/prometheusrule.yaml``); ``kind`` is the dependency
that failed (``VaultUnavailable``, ``StorageUnavailable``, ``KubernetesUnavailable``) or
``Unexpected``. ``tre_reconcile_writes_total`` counts every write a reconcile made, so an
idle controller can be seen (and tested) to write nothing.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ControllerMetrics:
    """The controller's metrics; one instance per controller so tests never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.reconcile_duration = Histogram(
            "tre_reconcile_duration_seconds",
            "Time to bring one project to its desired state (or find it there).",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.area_duration = Histogram(
            "tre_reconcile_area_duration_seconds",
            "Time one reconcile spent in each area: kubernetes, vault, storage.",
            ["area"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.reconcile_errors = Counter(
            "tre_reconcile_errors",
            "Reconciles that could not finish, by the dependency that failed.",
            ["kind"],
            registry=self.registry,
        )
        self.reconcile_writes = Counter(
            "tre_reconcile_writes",
            "Writes (creates, updates, deletes, status patches) reconciles made.",
            registry=self.registry,
        )
        self.projects = Gauge(
            "tre_projects",
            "ResearchProjects by phase.",
            ["phase"],
            registry=self.registry,
        )
        self._phases: dict[str, str] = {}
        self._published: set[str] = set()

    def set_phase(self, project: str, phase: str | None) -> None:
        """Record ``project``'s phase (``None`` once it is gone) and update the gauge."""
        if phase is None:
            self._phases.pop(project, None)
        else:
            self._phases[project] = phase
        self._publish(Tally(self._phases.values()))

    def _publish(self, counts: Mapping[str, int]) -> None:
        self._published.update(counts)
        for phase in self._published:
            self.projects.labels(phase=phase).set(counts.get(phase, 0))

    def serve(self, host: str, port: int) -> None:
        """Serve ``/metrics`` on ``host:port`` from a background thread (not at all if 0)."""
        if port:
            start_http_server(port, addr=host, registry=self.registry)
