"""The operator hands each user server a personal storage key and takes it back.

The operator runs as a subprocess under the chart's ClusterRole, against the real API
server (kwok runs the pods) and SeaweedFS; the pods are made as KubeSpawner makes them.
"""

from __future__ import annotations

import io
from typing import Any

from minio import Minio
from minio.error import S3Error

from orchestrator.domain.projects import naming
from tests.integration.controller.platform import ControllerCluster
from tests.integration.controller.projects import Projects, make_spec, project_name
from tests.integration.controller.servers import server_key, start_server, stop_server


def _writes(researcher: Minio, bucket: str) -> str:
    """ "ok" when the key may write ``bucket``, else the store's error code."""
    try:
        researcher.put_object(bucket, "results.csv", io.BytesIO(b"n\n5\n"), 4)
    except S3Error as error:
        return str(error.code)
    return "ok"


def test_a_server_gets_its_own_key_which_ends_with_the_server_or_the_membership(
    controller_cluster: ControllerCluster, start_operator: Any, projects: Projects, s3: Any
) -> None:
    kube = controller_cluster.kube
    start_operator(resync_seconds=3)
    name = project_name("keys")
    two = [
        {"username": "alice", "roles": ["researcher"]},
        {"username": "carol", "roles": ["researcher"]},
    ]
    projects.create(name, make_spec(members=two))
    projects.wait_for_phase(name, "Ready", timeout=120)
    outbox = naming.outbox_bucket(name)

    start_server(kube, name, "alice")
    start_server(kube, name, "carol")
    alice_key, carol_key = server_key(kube, name, "alice"), server_key(kube, name, "carol")
    alice = s3.client_for(alice_key["access_key"], alice_key["secret_key"])
    carol = s3.client_for(carol_key["access_key"], carol_key["secret_key"])

    assert alice_key["access_key"] != carol_key["access_key"]
    assert _writes(alice, outbox) == "ok"
    assert _writes(carol, outbox) == "ok"

    stop_server(kube, name, "alice")
    projects.wait_for(
        lambda: _writes(alice, outbox) == "InvalidAccessKeyId",
        "alice's key to be revoked when her server stopped",
        timeout=30,
    )
    assert _writes(carol, outbox) == "ok"

    projects.patch_spec(name, {"members": [two[0]]})
    projects.wait_for(
        lambda: _writes(carol, outbox) == "InvalidAccessKeyId",
        "carol's key to be revoked when she left the project",
        timeout=30,
    )
