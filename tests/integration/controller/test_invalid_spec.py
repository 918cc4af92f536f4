"""An invalid spec is reported on the project, and the operator keeps working."""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name


def test_an_invalid_spec_is_reported_and_the_operator_keeps_running(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    kube = controller_cluster.kube
    operator = start_operator(resync_seconds=3)
    broken = project_name("broken")
    # Passes the CRD schema; only the controller's checks can tell it is wrong.
    duplicated = [
        {"username": "alice", "roles": ["researcher"]},
        {"username": "alice", "roles": ["reviewer"]},
    ]
    projects.create(broken, make_spec(members=duplicated), volume=False)

    status = projects.wait_for_phase(broken, "Invalid", timeout=60)

    assert "spec.members" in status["message"]
    assert "'alice' appears more than once" in status["message"]
    with kube.http() as client:
        namespace = client.get(f"/api/v1/namespaces/{naming.namespace_name(broken)}")
        events = client.get(
            "/api/v1/namespaces/default/events",
            params={"fieldSelector": f"involvedObject.name={broken}"},
        ).json()["items"]
    assert namespace.status_code == 404, "nothing is created for an invalid spec"
    assert [e["reason"] for e in events if e["type"] == "Warning"] == ["InvalidSpec"]

    healthy = project_name("healthy")
    projects.create(healthy, make_spec())
    projects.wait_for_phase(healthy, "Ready", timeout=120)
    assert operator.process.running()
    assert operator.healthy()

    projects.provide_hub_volume(broken)
    projects.patch_spec(broken, {"members": [{"username": "alice", "roles": ["researcher"]}]})
    projects.wait_for_phase(broken, "Ready", timeout=120)


def test_images_from_other_registries_and_platform_or_foreign_buckets_are_refused(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    """Whoever writes a ResearchProject tries to run an image of their choosing and to
    read the airlock's release bucket and another project's inputs."""
    kube = controller_cluster.kube
    start_operator(resync_seconds=3)
    greedy = project_name("greedy")
    spec = make_spec(
        images=[
            "docker.io/attacker/notebook@sha256:" + "a" * 64,
            "quay.io/jupyter/minimal-notebook:2025-01-20",
        ],
        datasets=[
            {"name": "released", "bucket": "tre-airlock-release"},
            {"name": "neighbour", "bucket": "tre-genomics-inputs"},
        ],
    )
    projects.create(greedy, spec, volume=False)

    message = projects.wait_for_phase(greedy, "Invalid", timeout=60)["message"]

    assert (
        "spec.images[0]: 'docker.io/attacker/notebook@sha256:" + "a" * 64 + "' is not from an "
        "allowed registry; the platform allows images from quay.io/jupyter"
    ) in message
    assert (
        "spec.images[1]: 'quay.io/jupyter/minimal-notebook:2025-01-20' has no digest; "
        "tier 2 projects pin every image"
    ) in message
    assert (
        "spec.datasets[0].bucket: 'tre-airlock-release' is one of the platform's own buckets"
        in message
    )
    assert (
        "spec.datasets[1].bucket: 'tre-genomics-inputs' belongs to project 'genomics'; "
        "a project may not read another project's files"
    ) in message
    with kube.http() as client:
        namespace = client.get(f"/api/v1/namespaces/{naming.namespace_name(greedy)}")
    assert namespace.status_code == 404, "nothing is created for a refused spec"
