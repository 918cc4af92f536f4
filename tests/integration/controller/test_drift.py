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


def test_widening_edits_and_foreign_policies_are_undone_without_waiting_for_a_resync(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    """An insider with edit rights in the namespace widens the enclave's network three
    ways; each is undone by the watches, long before the (60 s) resync."""
    kube = controller_cluster.kube
    start_operator(resync_seconds=60.0)
    name = project_name("widen")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)
    namespace = naming.namespace_name(name)
    original = _policies(kube, namespace)
    assert original["default-deny"]["spec"]["podSelector"] == {}
    base = f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies"
    merge = {"Content-Type": "application/merge-patch+json"}
    egress = original["singleuser"]["spec"]["egress"]
    # Pod peers (the hub's) widened to the same pods in any namespace.
    widened = [
        {**rule, "to": [{**peer, "namespaceSelector": {}} for peer in rule["to"]]}
        if all(set(peer) == {"podSelector"} for peer in rule.get("to", [{}]))
        else rule
        for rule in egress
    ]
    assert widened != egress

    with kube.http() as client:
        # The default deny made to select no pod at all: every pod is then unrestricted.
        narrowed = client.patch(
            f"{base}/default-deny",
            json={"spec": {"podSelector": {"matchLabels": {"nothing": "matches"}}}},
            headers=merge,
        )
        assert narrowed.status_code == 200, narrowed.text
        opened = client.patch(
            f"{base}/singleuser", json={"spec": {"egress": widened}}, headers=merge
        )
        assert opened.status_code == 200, opened.text
        # An allow-all egress policy of one's own, unlabelled.
        added = client.post(
            base,
            json={
                "metadata": {"name": "allow-all-egress"},
                "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]},
            },
        )
        assert added.status_code == 201, added.text
    tampered = time.monotonic()

    def restored() -> bool:
        now = _policies(kube, namespace)
        return set(now) == set(original) and all(
            now[policy]["spec"] == original[policy]["spec"] for policy in original
        )

    projects.wait_for(restored, "the widened NetworkPolicies to be undone", timeout=20)
    assert time.monotonic() - tampered < 20
    assert projects.condition(name, "NetworkIsolated")["status"] == "True"


def test_pod_security_labels_changed_by_hand_are_restored_at_once(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=60.0)
    name = project_name("podsec")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)
    namespace = naming.namespace_name(name)
    enforce = "pod-security.kubernetes.io/enforce"

    def level() -> str:
        with kube.http() as client:
            labels = client.get(f"/api/v1/namespaces/{namespace}").json()["metadata"]["labels"]
        return str(labels.get(enforce, ""))

    assert level() == "restricted"
    with kube.http() as client:
        changed = client.patch(
            f"/api/v1/namespaces/{namespace}",
            json={"metadata": {"labels": {enforce: "privileged"}}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert changed.status_code == 200, changed.text
    tampered = time.monotonic()

    projects.wait_for(
        lambda: level() == "restricted", "the label to be restored", timeout=10, every=0.05
    )
    took = time.monotonic() - tampered
    print(f"pod security label restored after {took:.2f} s (resync every 60 s)")
    assert took < 10
