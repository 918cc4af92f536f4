"""The issue's acceptance for storage keys: personal, short-lived, revoked when the
server stops, when the member is removed and when the project is suspended, and good
only for the project's own buckets (datasets read-only), on a real SeaweedFS.

Keys are issued by the use cases the operator runs (:mod:`~orchestrator.services.
projects.storage_sessions` and the storage pass of :func:`reconcile_project`) through
the real storage adapter. Only the test about the Secret a server receives needs the
API server; the others hand the use cases in-memory ports for the cluster and Vault,
which issuing and revoking keys never call.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from minio import Minio
from minio.error import S3Error

from orchestrator.adapters.kubernetes_objects import KubernetesObjects
from orchestrator.adapters.project_storage import ProjectStorage
from orchestrator.domain.projects import naming
from orchestrator.domain.projects.manifests.storage_session import IssuedKey, ServerPod
from orchestrator.domain.projects.spec import parse_project
from orchestrator.domain.projects.storage import StorageKeyRefused
from orchestrator.embedded.seaweedfs import SeaweedFS
from orchestrator.services.projects.ports import ProjectPorts
from orchestrator.services.projects.reconciling import STORAGE, reconcile_project
from orchestrator.services.projects.storage_sessions import (
    end_storage_session,
    issue_storage_key,
    start_storage_session,
)
from tests.doubles.project_ports import PLATFORM, MemoryCluster, MemoryVault
from tests.harness.kubernetes import Kube
from tests.integration.controller.projects import make_spec, project_name

DATASET_BUCKET = "tre-shared-datasets"


def spec(**overrides: Any) -> dict[str, Any]:
    """Two researchers and a reviewer, one dataset under a prefix of a shared bucket."""
    members = [
        {"username": "alice", "roles": ["researcher"]},
        {"username": "bob", "roles": ["researcher"]},
        {"username": "rita", "roles": ["reviewer"]},
    ]
    datasets = [{"name": "cohort", "bucket": DATASET_BUCKET, "prefix": "cohort/"}]
    return make_spec(**{"members": members, "datasets": datasets, **overrides})


def ports_for(s3: SeaweedFS, objects: Any = None, **platform: Any) -> ProjectPorts:
    return ProjectPorts(
        objects=objects or MemoryCluster(),
        vault=MemoryVault(),
        storage=ProjectStorage(s3.client(), s3.identities()),
        platform=replace(PLATFORM, **platform),
    )


def provision(s3: SeaweedFS, ports: ProjectPorts, project: str, body: dict[str, Any]) -> None:
    """The project's storage pass, and a file in its inputs and in the dataset."""
    result = reconcile_project(
        project, body, ports=ports, now=datetime.now(UTC), areas=frozenset({STORAGE})
    )
    assert [(c.type, c.status) for c in result.conditions] == [("StorageReady", "True")]
    admin = s3.client()
    if not admin.bucket_exists(DATASET_BUCKET):
        admin.make_bucket(DATASET_BUCKET)
    _put(admin, naming.inputs_bucket(project), "cohort.csv", b"id,age\n")
    _put(admin, DATASET_BUCKET, "cohort/rows.csv", b"1,50\n")


def issue(
    ports: ProjectPorts, project: str, member: str, body: dict[str, Any], session: str = "s1"
) -> IssuedKey:
    """A key for ``member``'s server ``jupyter-<member>-<session>``, which is running."""
    pod = f"jupyter-{member}-{session}"
    ports.objects.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod, "namespace": naming.namespace_name(project), "uid": session},
        }
    )
    parsed = parse_project(project, body)
    return issue_storage_key(
        project,
        parsed,
        member,
        f"{pod}/{session}",
        ports=ports,
        now=datetime.now(UTC),
        suspension=None,
    )


def client(s3: SeaweedFS, key: IssuedKey) -> Minio:
    return s3.client_for(key.access_key, key.secret_key)


def _put(target: Minio, bucket: str, key: str, data: bytes = b"x") -> None:
    target.put_object(bucket, key, io.BytesIO(data), length=len(data))


def _read(target: Minio, bucket: str, key: str) -> bytes:
    response = target.get_object(bucket, key)
    try:
        return bytes(response.read())
    finally:
        response.close()
        response.release_conn()


def refused(action: Callable[[], object]) -> str:
    with pytest.raises(S3Error) as error:
        action()
    return str(error.value.code)


def test_each_researcher_gets_a_key_of_their_own_for_each_server(s3: SeaweedFS) -> None:
    ports, project = ports_for(s3), project_name("keys")
    provision(s3, ports, project, spec())

    alice = issue(ports, project, "alice", spec())
    alice_again = issue(ports, project, "alice", spec(), session="s2")
    bob = issue(ports, project, "bob", spec())

    assert len({alice.access_key, alice_again.access_key, bob.access_key}) == 3
    for key in (alice, alice_again, bob):
        assert _read(client(s3, key), naming.inputs_bucket(project), "cohort.csv") == b"id,age\n"
    users = set(s3.identities().list_users())
    assert naming.member_storage_identity(project, "alice") in users
    assert naming.member_storage_identity(project, "bob") in users
    assert naming.storage_identity_name(project) not in users


def test_a_key_stops_working_after_its_lifetime(s3: SeaweedFS) -> None:
    ports, project = ports_for(s3, storage_session_seconds=3), project_name("life")
    provision(s3, ports, project, spec())
    started = time.monotonic()
    key = issue(ports, project, "alice", spec())
    researcher = client(s3, key)
    assert _read(researcher, naming.inputs_bucket(project), "cohort.csv") == b"id,age\n"

    time.sleep(max(0.0, 5 - (time.monotonic() - started)))

    assert refused(lambda: _read(researcher, naming.inputs_bucket(project), "cohort.csv")) == (
        "AccessDenied"
    )


def test_a_key_is_good_for_its_project_only_and_datasets_are_read_only(s3: SeaweedFS) -> None:
    ports, mine, theirs = ports_for(s3), project_name("mine"), project_name("theirs")
    provision(s3, ports, mine, spec())
    provision(s3, ports, theirs, spec())
    researcher = client(s3, issue(ports, mine, "alice", spec()))

    assert _read(researcher, DATASET_BUCKET, "cohort/rows.csv") == b"1,50\n"
    _put(researcher, naming.outbox_bucket(mine), "table.csv")
    attempts: list[Callable[[], object]] = [
        lambda: _put(researcher, DATASET_BUCKET, "cohort/planted.csv"),
        lambda: _put(researcher, naming.inputs_bucket(mine), "planted.csv"),
        lambda: researcher.remove_object(DATASET_BUCKET, "cohort/rows.csv"),
        lambda: _read(researcher, naming.inputs_bucket(theirs), "cohort.csv"),
        lambda: list(researcher.list_objects(naming.outbox_bucket(theirs))),
        lambda: _put(researcher, naming.outbox_bucket(theirs), "x.csv"),
        lambda: researcher.make_bucket(f"tre-{mine}-extra"),
    ]
    for attempt in attempts:
        assert refused(attempt) == "AccessDenied"


def test_a_key_is_refused_from_outside_the_workspace_address_range(s3: SeaweedFS) -> None:
    project = project_name("cidr")
    elsewhere = ports_for(s3, workspace_cidr="10.244.0.0/16")
    provision(s3, elsewhere, project, spec())
    outside = client(s3, issue(elsewhere, project, "alice", spec()))
    # The test talks to the store from 127.0.0.1, outside 10.244.0.0/16.
    assert refused(lambda: _read(outside, naming.inputs_bucket(project), "cohort.csv")) == (
        "AccessDenied"
    )

    here = ports_for(s3, workspace_cidr="127.0.0.0/8")
    provision(s3, here, project, spec())
    inside = client(s3, issue(here, project, "alice", spec(), session="s2"))
    assert _read(inside, naming.inputs_bucket(project), "cohort.csv") == b"id,age\n"


def test_a_removed_member_loses_every_key_and_the_others_keep_theirs(s3: SeaweedFS) -> None:
    ports, project = ports_for(s3), project_name("removed")
    provision(s3, ports, project, spec())
    alice, bob = issue(ports, project, "alice", spec()), issue(ports, project, "bob", spec())
    without_bob = spec(
        members=[
            {"username": "alice", "roles": ["researcher"]},
            {"username": "rita", "roles": ["reviewer"]},
        ]
    )

    reconcile_project(
        project, without_bob, ports=ports, now=datetime.now(UTC), areas=frozenset({STORAGE})
    )

    assert refused(lambda: _read(client(s3, bob), naming.inputs_bucket(project), "cohort.csv")) == (
        "InvalidAccessKeyId"
    )
    assert _read(client(s3, alice), naming.inputs_bucket(project), "cohort.csv") == b"id,age\n"
    with pytest.raises(StorageKeyRefused, match="'bob' is not a researcher"):
        issue(ports, project, "bob", without_bob)


def test_suspension_revokes_every_key_and_issues_none(s3: SeaweedFS) -> None:
    ports, project = ports_for(s3), project_name("suspended")
    provision(s3, ports, project, spec())
    alice = issue(ports, project, "alice", spec())

    result = reconcile_project(
        project,
        spec(suspended=True),
        ports=ports,
        now=datetime.now(UTC),
        previous_phase="Ready",
        areas=frozenset({STORAGE}),
    )

    assert [(c.type, c.reason) for c in result.conditions] == [("StorageReady", "Suspended")]
    assert refused(
        lambda: _read(client(s3, alice), naming.inputs_bucket(project), "cohort.csv")
    ) == ("InvalidAccessKeyId")
    pod = ServerPod(project=project, name="jupyter-alice", uid="uid-1", member="alice")
    with pytest.raises(StorageKeyRefused, match="suspended"):
        start_storage_session(pod, spec(suspended=True), ports=ports, now=datetime.now(UTC))


def test_a_reviewer_gets_no_key(s3: SeaweedFS) -> None:
    ports, project = ports_for(s3), project_name("reviewer")
    provision(s3, ports, project, spec())
    with pytest.raises(StorageKeyRefused, match="only researchers get storage keys"):
        issue(ports, project, "rita", spec())


def test_a_server_receives_its_key_in_its_own_secret_and_loses_it_when_it_stops(
    s3: SeaweedFS, kube: Kube
) -> None:
    objects = KubernetesObjects(kube.api_client())
    ports, project = ports_for(s3, objects=objects), project_name("server")
    namespace = naming.namespace_name(project)
    objects.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    try:
        provision(s3, ports, project, spec())
        objects.apply(_pod(namespace, "jupyter-alice", "alice"))
        pod = objects.get("Pod", "jupyter-alice", namespace)
        assert pod is not None
        server = ServerPod(project, "jupyter-alice", pod["metadata"]["uid"], "alice")

        assert start_storage_session(server, spec(), ports=ports, now=datetime.now(UTC)) is True
        assert start_storage_session(server, spec(), ports=ports, now=datetime.now(UTC)) is False

        secret = objects.get("Secret", "tre-storage-alice", namespace)
        assert secret is not None
        assert secret["metadata"]["ownerReferences"][0]["uid"] == server.uid
        data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        assert data["credentials"].startswith("[default]\naws_access_key_id = ")
        key = IssuedKey(data["access_key"], datetime.now(UTC), data["secret_key"])
        assert _read(client(s3, key), naming.inputs_bucket(project), "cohort.csv") == b"id,age\n"

        assert end_storage_session(server, ports=ports) == 1

        assert refused(
            lambda: _read(client(s3, key), naming.inputs_bucket(project), "cohort.csv")
        ) == ("InvalidAccessKeyId")
        assert objects.get("Secret", "tre-storage-alice", namespace) is None
    finally:
        objects.delete("Namespace", namespace)


def _pod(namespace: str, name: str, member: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {"hub.jupyter.org/username": member},
        },
        "spec": {"containers": [{"name": "notebook", "image": "example.org/notebook:1"}]},
    }
