"""The reconcile and teardown use cases, against in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.spec import parse_project
from orchestrator.services.projects.ports import ProjectPorts
from orchestrator.services.projects.reconciling import reconcile_project, teardown_project
from orchestrator.services.projects.status import project_status, status_patch
from orchestrator.services.projects.storage_sessions import issue_storage_key
from tests.doubles.project_ports import (
    DownVault,
    MemoryCluster,
    MemoryStore,
    MemoryVault,
    hub_key,
    make_ports,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def spec(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "displayName": "Genomics",
        "tier": 2,
        "members": [{"username": "alice", "roles": ["researcher"]}],
        "computeProfiles": [{"name": "s", "displayName": "S", "cpu": "1", "memory": "1Gi"}],
        "storageQuota": "20Gi",
        "images": [f"quay.io/jupyter/minimal-notebook:2025-01-20@sha256:{'0' * 64}"],
    }
    return {**base, **overrides}


def issue(
    project: str, member: str, ports: ProjectPorts, body: dict[str, Any] | None = None
) -> str:
    """Issue ``member`` a session key as a starting server does; their identity's name."""
    parsed = parse_project(project, body or spec())
    issue_storage_key(project, parsed, member, "s1", ports=ports, now=NOW, suspension=None)
    return naming.member_storage_identity(project, member)


def conditions(result: Any) -> dict[str, str]:
    return {str(c.type): c.status for c in result.conditions}


def test_a_new_project_gets_every_area_and_is_ready() -> None:
    ports = make_ports()

    result = reconcile_project("gen", spec(), ports=ports, now=NOW)

    assert result.phase == "Ready"
    assert set(conditions(result).values()) == {"True"}
    assert [c.reason for c in result.changes] == ["Created"]
    assert result.namespace == "tre-gen"
    assert result.buckets == naming.project_buckets("gen")
    assert result.writes > 10
    vault, storage = ports.vault, ports.storage
    assert isinstance(vault, MemoryVault)
    assert isinstance(storage, MemoryStore)
    # Keys are issued per user server: a new project has buckets and no identity.
    assert storage.identities == {}
    assert naming.vault_storage_secret_path("gen") not in vault.secrets


def test_a_second_reconcile_of_an_unchanged_project_writes_nothing() -> None:
    ports = make_ports()
    first = reconcile_project("gen", spec(), ports=ports, now=NOW)

    second = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase=first.phase)

    assert second.writes == 0
    assert second.changes == ()
    status = project_status(first, {}, generation=1, now=NOW)
    later = project_status(second, status, generation=1, now=NOW + timedelta(hours=1))
    assert status_patch(status, later) == {}


def test_a_deleted_network_policy_is_restored_and_reported() -> None:
    cluster = MemoryCluster()
    ports = make_ports(cluster=cluster)
    reconcile_project("gen", spec(), ports=ports, now=NOW)
    policy = next(k for k in cluster.objects if k[0] == "NetworkPolicy")
    del cluster.objects[policy]

    result = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Ready")

    assert policy in cluster.objects
    assert result.writes == 1
    assert [c.reason for c in result.changes] == ["DriftRestored"]
    assert f"NetworkPolicy/{policy[2]}" in result.changes[0].message


def test_objects_no_longer_desired_are_pruned_but_member_volumes_are_not() -> None:
    cluster = MemoryCluster()
    ports = make_ports(cluster=cluster)
    reconcile_project("gen", spec(), ports=ports, now=NOW)
    labels = naming.project_labels("gen")
    for kind in ("ConfigMap", "PersistentVolumeClaim"):
        cluster.objects[(kind, "tre-gen", "stale")] = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": "stale", "namespace": "tre-gen", "labels": labels},
        }

    reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Ready")

    assert ("ConfigMap", "tre-gen", "stale") not in cluster.objects
    assert ("PersistentVolumeClaim", "tre-gen", "stale") in cluster.objects


def test_a_network_policy_the_controller_did_not_make_is_removed_labelled_or_not() -> None:
    cluster = MemoryCluster()
    ports = make_ports(cluster=cluster)
    reconcile_project("gen", spec(), ports=ports, now=NOW)
    allow_all = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}
    for name, labels in (("allow-all", {}), ("looks-ours", naming.project_labels("gen"))):
        cluster.objects[("NetworkPolicy", "tre-gen", name)] = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "tre-gen", "labels": labels},
            "spec": allow_all,
        }

    result = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Ready")

    assert ("NetworkPolicy", "tre-gen", "allow-all") not in cluster.objects
    assert ("NetworkPolicy", "tre-gen", "looks-ours") not in cluster.objects
    assert [c.reason for c in result.changes] == ["DriftRestored"]
    assert "NetworkPolicy/allow-all (removed)" in result.changes[0].message


def test_an_invalid_spec_is_reported_and_nothing_is_touched() -> None:
    ports = make_ports()

    result = reconcile_project("gen", spec(tier=7), ports=ports, now=NOW)

    assert result.phase == "Invalid"
    assert "spec.tier" in result.message
    assert [(c.reason, c.warning) for c in result.changes] == [("InvalidSpec", True)]
    assert result.writes == 0
    assert isinstance(ports.objects, MemoryCluster)
    assert ports.objects.objects == {}


def test_an_expired_project_is_suspended_once_and_keeps_its_data() -> None:
    cluster, vault, storage = MemoryCluster(), MemoryVault(), MemoryStore()
    ports = make_ports(cluster, vault, storage)
    expiring = spec(expiresAt="2026-06-01T12:30:00Z")
    reconcile_project("gen", expiring, ports=ports, now=NOW)
    alice = issue("gen", "alice", ports)
    vault.logins[naming.vault_role_name("gen")] = 2
    storage.buckets[naming.outbox_bucket("gen")]["result.csv"] = b"1,2"

    later = NOW + timedelta(hours=1)
    result = reconcile_project("gen", expiring, ports=ports, now=later, previous_phase="Ready")

    assert result.phase == "Suspended"
    assert "expiresAt" in result.message
    assert [c.reason for c in result.changes] == ["Updated", "Suspended"]
    assert cluster.objects[hub_key("gen")]["spec"]["replicas"] == 0
    assert vault.logins == {}
    assert naming.vault_role_name("gen") not in vault.roles
    assert naming.vault_storage_secret_path("gen") not in vault.secrets
    assert alice not in storage.identities
    assert storage.identities == {}
    assert storage.buckets[naming.outbox_bucket("gen")] == {"result.csv": b"1,2"}
    again = reconcile_project("gen", expiring, ports=ports, now=later, previous_phase="Suspended")
    assert again.writes == 0
    assert again.changes == ()


def test_suspension_stops_every_user_server_keeps_its_volume_and_lets_no_pod_start() -> None:
    cluster = MemoryCluster()
    ports = make_ports(cluster=cluster)
    reconcile_project("gen", spec(), ports=ports, now=NOW)
    server = {"component": "singleuser-server", naming.PROJECT_LABEL: "gen"}
    for kind, name in (("Pod", "jupyter-alice"), ("PersistentVolumeClaim", "claim-alice")):
        cluster.objects[(kind, "tre-gen", name)] = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": name, "namespace": "tre-gen", "labels": server},
        }

    result = reconcile_project(
        "gen", spec(suspended=True), ports=ports, now=NOW, previous_phase="Ready"
    )

    assert result.phase == "Suspended"
    assert ("Pod", "tre-gen", "jupyter-alice") not in cluster.objects
    assert "Pod/jupyter-alice (stopped)" in result.written
    assert ("PersistentVolumeClaim", "tre-gen", "claim-alice") in cluster.objects
    quota = cluster.objects[("ResourceQuota", "tre-gen", "project")]
    assert quota["spec"]["hard"]["pods"] == "0"
    resumed = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Suspended")
    assert resumed.phase == "Ready"
    assert cluster.objects[("ResourceQuota", "tre-gen", "project")]["spec"]["hard"]["pods"] == "5"


def test_a_resumed_project_is_ready_and_issues_keys_again() -> None:
    storage = MemoryStore()
    ports = make_ports(storage=storage)
    reconcile_project("gen", spec(suspended=True), ports=ports, now=NOW)

    result = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Suspended")

    assert result.phase == "Ready"
    assert [c.reason for c in result.changes][-1] == "Resumed"
    assert storage.access_keys(issue("gen", "alice", ports)) == ["AK0"]


def test_vault_down_degrades_only_vault_and_asks_for_a_retry() -> None:
    cluster = MemoryCluster()
    ports = make_ports(cluster=cluster, vault=DownVault())

    result = reconcile_project("gen", spec(), ports=ports, now=NOW)

    assert result.unavailable == "VaultUnavailable"
    assert result.phase == "Degraded"
    found = {str(c.type): c for c in result.conditions}
    assert found["VaultReady"].status == "False"
    assert found["VaultReady"].reason == "VaultUnavailable"
    assert "vault.test" in found["VaultReady"].message
    assert found["NamespaceReady"].status == "True"
    assert found["HubReady"].status == "True"
    assert hub_key("gen") in cluster.objects


def test_a_removed_researcher_loses_their_identity_and_the_others_keep_theirs() -> None:
    storage = MemoryStore()
    ports = make_ports(storage=storage)
    both = spec(
        members=[
            {"username": "alice", "roles": ["researcher"]},
            {"username": "bob", "roles": ["researcher"]},
        ]
    )
    reconcile_project("gen", both, ports=ports, now=NOW)
    alice, bob = issue("gen", "alice", ports, both), issue("gen", "bob", ports, both)
    storage.identities["tre-member-gen-x-0123456789abcdef"] = {"policy": None, "keys": {}}

    result = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Ready")

    assert f"storage identity {bob} (revoked)" in result.written
    assert set(storage.identities) == {alice, "tre-member-gen-x-0123456789abcdef"}


def test_the_shared_project_identity_of_earlier_versions_is_revoked() -> None:
    storage = MemoryStore()
    storage.identities["tre-project-gen"] = {"policy": None, "keys": {"AKOLD": "s"}}
    ports = make_ports(storage=storage)

    reconcile_project("gen", spec(), ports=ports, now=NOW)

    assert "tre-project-gen" not in storage.identities


def test_teardown_removes_everything_and_buckets_follow_retention() -> None:
    for retention, kept in (("keep", True), ("archive", False), ("delete", False)):
        cluster, vault, storage = MemoryCluster(), MemoryVault(), MemoryStore()
        ports = make_ports(cluster, vault, storage)
        reconcile_project("gen", spec(retention=retention), ports=ports, now=NOW)
        issue("gen", "alice", ports)
        storage.buckets[naming.outbox_bucket("gen")]["out.txt"] = b"x"

        result = teardown_project("gen", spec(retention=retention), ports=ports)

        assert result.unavailable is None
        assert cluster.objects == {}
        assert vault.policies == vault.roles == vault.secrets == {}
        assert storage.identities == {}
        assert (naming.outbox_bucket("gen") in storage.buckets) is kept
        if retention == "archive":
            assert storage.buckets["tre-archive"] == {
                f"{naming.outbox_bucket('gen')}/out.txt": b"x"
            }


def test_teardown_with_vault_down_asks_for_a_retry() -> None:
    ports = make_ports(vault=DownVault())

    result = teardown_project("gen", spec(), ports=ports)

    assert result.unavailable == "VaultUnavailable"


def test_a_project_asking_for_an_image_the_platform_does_not_allow_is_invalid_and_gets_nothing() -> (
    None
):
    ports = make_ports()

    result = reconcile_project(
        "gen", spec(images=["docker.io/attacker/nb:1"]), ports=ports, now=NOW
    )

    assert result.phase == "Invalid"
    assert "spec.images[0]: 'docker.io/attacker/nb:1' is not from an allowed registry" in (
        result.message
    )
    assert result.written == ()
