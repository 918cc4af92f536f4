"""Two replicas in one peering: exactly one acts; when it stops, the other takes over."""

from __future__ import annotations

from typing import Any

from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name

RECONCILES = "tre_reconcile_duration_seconds_count"


def test_only_one_of_two_peered_operators_acts_and_the_other_takes_over(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    first = start_operator(resync_seconds=3, standalone=False, name="first")
    second = start_operator(resync_seconds=3, standalone=False, name="second")
    name = project_name("peered")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)
    projects.wait_for(
        lambda: first.metric(RECONCILES) + second.metric(RECONCILES) >= 3, "two resyncs", 20
    )

    acting = [op for op in (first, second) if op.metric(RECONCILES) > 0]
    assert len(acting) == 1, "exactly one replica reconciles"
    leader = acting[0]
    follower = second if leader is first else first

    leader.stop()
    later = project_name("takeover")
    projects.create(later, make_spec())
    projects.wait_for_phase(later, "Ready", timeout=120)
    assert follower.metric(RECONCILES) > 0
