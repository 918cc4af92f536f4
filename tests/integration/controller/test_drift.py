"""NetworkPolicies deleted or loosened by hand are restored within one resync period."""

from __future__ import annotations

import time
from typing import Any

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name

RESYNC = 5.0


def _policies(kube: Any, namespace: str) -> dict[str, dict[str, Any]]:
    with kube.http() as client:
        items = client.get(
            f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies"
        ).json()["items"]
    return {item["metadata"]["name"]: item for item in items}


def test_deleted_and_edited_network_policies_are_restored_within_one_resync(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=RESYNC)
    name = project_name("drift")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)
    namespace = naming.namespace_name(name)
    original = _policies(kube, namespace)
    deleted, edited = sorted(original)[:2]

    with kube.http() as client:
        gone = client.delete(
            f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{deleted}"
        )
        assert gone.status_code == 200, gone.text
        # Open the policy to everything, as a careless hand edit would.
        opened = client.patch(
            f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{edited}",
            json={"spec": {"ingress": [{}], "egress": [{}]}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert opened.status_code == 200, opened.text
    tampered = time.monotonic()

    def restored() -> bool:
        now = _policies(kube, namespace)
        return set(now) == set(original) and all(
            now[policy]["spec"] == original[policy]["spec"] for policy in original
        )

    projects.wait_for(restored, "the NetworkPolicies to be restored", timeout=RESYNC + 3)
    assert time.monotonic() - tampered <= RESYNC + 3

    def reasons() -> set[str]:
        with kube.http() as client:
            events = client.get(
                "/api/v1/namespaces/default/events",
                params={"fieldSelector": f"involvedObject.name={name}"},
            ).json()["items"]
        return {event["reason"] for event in events}

    projects.wait_for(lambda: "DriftRestored" in reasons(), "a DriftRestored event", timeout=10)
    assert projects.status(name)["phase"] == "Ready"
