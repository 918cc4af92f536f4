"""Prometheus metrics of the airlock, in a registry owned by one app instance.

``requests`` (by state) is measured when scraped; the others are observed as
requests move: how long checking took, how long from submission to a decision,
how many releases, how many files a check blocked.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
DECISION_BUCKETS = (60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)


class AirlockMetrics:
    """The airlock's metrics; one instance per app so tests never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Gauge(
            "tre_airlock_requests",
            "Airlock requests by state.",
            ["state"],
            registry=self.registry,
        )
        self.check_duration = Histogram(
            "tre_airlock_check_duration_seconds",
            "Time to freeze and check a submitted version.",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.time_to_decision = Histogram(
            "tre_airlock_time_to_decision_seconds",
            "Time from a version reaching review to the reviewers' decision.",
            ["decision"],
            buckets=DECISION_BUCKETS,
            registry=self.registry,
        )
        self.releases = Counter(
            "tre_airlock_releases", "Requests released.", registry=self.registry
        )
        self.blocked_files = Counter(
            "tre_airlock_blocked_files",
            "Files whose checks found something that blocks release.",
            registry=self.registry,
        )
        self.downloads = Counter(
            "tre_airlock_downloads",
            "Completed downloads of released files (every byte streamed and its hash matched).",
            registry=self.registry,
        )

    def set_request_counts(self, counts: Mapping[str, int], states: list[str]) -> None:
        for state in states:
            self.requests.labels(state=state).set(counts.get(state, 0))

    def render(self) -> bytes:
        return generate_latest(self.registry)
