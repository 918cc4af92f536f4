"""Starting and ending a server's storage session, against in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.manifests.storage_session import ServerPod
from orchestrator.domain.projects.storage import StorageKeyRefused
from orchestrator.services.projects.reconciling import reconcile_project
from orchestrator.services.projects.storage_sessions import (
    end_storage_session,
    start_storage_session,
)
from tests.doubles.project_ports import MemoryCluster, MemoryStore, make_ports
from tests.unit.projects.test_project_reconciling import spec

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ALICE = naming.member_storage_identity("gen", "alice")


def _owner(cluster: MemoryCluster) -> str:
    secret = cluster.objects[("Secret", "tre-gen", "tre-storage-alice")]
    uid: str = secret["metadata"]["ownerReferences"][0]["uid"]
    return uid


def test_a_server_gets_one_key_and_its_secret_however_often_it_is_seen() -> None:
    cluster, storage = MemoryCluster(), MemoryStore()
    ports = make_ports(cluster=cluster, storage=storage)
    pod = ServerPod("gen", "jupyter-alice", "uid-1", "alice")

    assert start_storage_session(pod, spec(), ports=ports, now=NOW) is True
    assert start_storage_session(pod, spec(), ports=ports, now=NOW) is False

    assert storage.access_keys(ALICE) == ["AK0"]
    assert _owner(cluster) == "uid-1"


def test_a_secret_left_by_an_earlier_pod_of_the_same_name_is_replaced() -> None:
    cluster, storage = MemoryCluster(), MemoryStore()
    ports = make_ports(cluster=cluster, storage=storage)
    start_storage_session(
        ServerPod("gen", "jupyter-alice", "uid-1", "alice"), spec(), ports=ports, now=NOW
    )

    again = ServerPod("gen", "jupyter-alice", "uid-2", "alice")
    assert start_storage_session(again, spec(), ports=ports, now=NOW) is True

    assert _owner(cluster) == "uid-2"


def test_ending_a_session_revokes_its_key_only_and_removes_its_secret() -> None:
    cluster, storage = MemoryCluster(), MemoryStore()
    ports = make_ports(cluster=cluster, storage=storage)
    first = ServerPod("gen", "jupyter-alice", "uid-1", "alice")
    start_storage_session(first, spec(), ports=ports, now=NOW)
    storage.identities[ALICE]["keys"]["AK-other"] = "jupyter-alice/uid-9"

    assert end_storage_session(first, ports=ports) == 1

    assert storage.access_keys(ALICE) == ["AK-other"]
    assert ("Secret", "tre-gen", "tre-storage-alice") not in cluster.objects


def test_a_non_member_gets_neither_key_nor_secret() -> None:
    cluster, storage = MemoryCluster(), MemoryStore()
    ports = make_ports(cluster=cluster, storage=storage)
    pod = ServerPod("gen", "jupyter-mallory", "uid-1", "mallory")

    with pytest.raises(StorageKeyRefused, match="'mallory' is not a researcher"):
        start_storage_session(pod, spec(), ports=ports, now=NOW)

    assert storage.identities == {}
    assert cluster.objects == {}


def test_keys_of_servers_that_are_gone_are_revoked_at_the_next_reconcile() -> None:
    cluster, storage = MemoryCluster(), MemoryStore()
    ports = make_ports(cluster=cluster, storage=storage)
    live = ServerPod("gen", "jupyter-alice", "uid-1", "alice")
    start_storage_session(live, spec(), ports=ports, now=NOW)
    cluster.apply(
        {
            "kind": "Pod",
            "metadata": {"name": "jupyter-alice", "namespace": "tre-gen", "uid": "uid-1"},
        }
    )
    gone = ServerPod("gen", "jupyter-alice-2", "uid-2", "alice")
    start_storage_session(gone, spec(), ports=ports, now=NOW)

    result = reconcile_project("gen", spec(), ports=ports, now=NOW, previous_phase="Ready")

    assert storage.list_sessions(ALICE) == ["jupyter-alice/uid-1"]
    assert f"storage identity {ALICE} session jupyter-alice-2/uid-2 (revoked)" in result.written
