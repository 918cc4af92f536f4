"""``tre up``'s enclave end to end: real OpenBao, SeaweedFS, namespace and JupyterHub.

A notebook server is spawned through the hub's REST API and must run as its own
unprivileged uid inside the sealed namespace, be reachable through the proxy, and be
unable to reach host services other than the proxy. Stopping leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.embedded.enclave import QUARANTINE_BUCKET, RELEASE_BUCKET, Enclave, project_bucket
from orchestrator.embedded.netns import make_exec_argv

PROBE = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5).close()\n"
    "except OSError as exc:\n"
    "    print(type(exc).__name__); sys.exit(1)\n"
    "print('connected')\n"
)


@contextlib.contextmanager
def _state_folder() -> Iterator[Path]:
    """A state folder unprivileged notebook users can traverse (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="tre-enclave-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def enclave() -> Iterator[Enclave]:
    with _state_folder() as state:
        running = Enclave(state_dir=state, users=("alice", "ben"), project="demo").start()
        try:
            yield running
        finally:
            running.stop()


def _notebook_pid(user_uid: int) -> int:
    out = subprocess.run(
        ["pgrep", "-u", str(user_uid), "-f", "jupyterhub-singleuser"],
        capture_output=True,
        text=True,
        check=False,
    )
    pids = [int(p) for p in out.stdout.split()]
    assert pids, f"no notebook process runs as uid {user_uid}"
    return pids[0]


def test_secrets_and_buckets_are_ready(enclave: Enclave) -> None:
    assert enclave.openbao is not None
    assert enclave.storage is not None
    client = enclave.openbao.client()
    client.secrets.kv.v2.create_or_update_secret(path="demo/db", secret={"k": "v"})
    assert client.secrets.kv.v2.read_secret_version(path="demo/db", raise_on_deleted_version=True)[
        "data"
    ]["data"] == {"k": "v"}
    names = {b.name for b in enclave.storage.client().list_buckets()}
    assert {QUARANTINE_BUCKET, RELEASE_BUCKET, project_bucket("demo")} <= names
    assert "JupyterHub:" in enclave.summary()


def test_notebook_runs_unprivileged_inside_the_sealed_namespace(enclave: Enclave) -> None:
    assert enclave.hub is not None
    assert enclave.network is not None
    assert enclave.openbao is not None
    path = enclave.hub.spawn("alice")
    assert path == "/user/alice/"
    pid = _notebook_pid(61001)
    identified = subprocess.run(
        ["ip", "netns", "identify", str(pid)], capture_output=True, text=True, check=True
    )
    assert identified.stdout.strip() == enclave.network.namespace
    assert Path(f"/proc/{pid}/status").read_text().count("61001") >= 2  # real and effective uid

    with enclave.hub.api() as api:
        status = api.get(f"{enclave.hub.url}{path}api/status")
    assert status.status_code == 200

    def probe(port: int) -> str:
        argv = make_exec_argv(
            enclave.network,
            ["/usr/bin/python3", "-c", PROBE, enclave.network.host_ipv4, str(port)],
            uid=61002,
            gid=61002,
        )
        result = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
        return result.stdout.strip()

    assert probe(enclave.hub.spec.proxy_port) == "connected"
    assert probe(enclave.hub.spec.hub_port) != "connected"  # the hub API itself is not exposed
    assert probe(int(enclave.openbao.url.rsplit(":", 1)[1])) != "connected"


def test_stopping_leaves_nothing_behind() -> None:
    with _state_folder() as state:
        _start_and_stop(state)


def _start_and_stop(state: Path) -> None:
    started = Enclave(state_dir=state, users=("ben",)).start()
    assert started.network is not None
    namespace, table = started.network.namespace, started.network.table
    pids = [
        p.process.pid
        for p in (started.openbao, started.storage, started.hub)
        if p is not None and p.process is not None
    ]
    started.stop()
    assert (
        namespace
        not in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=True
        ).stdout
    )
    assert (
        table
        not in subprocess.run(
            ["nft", "list", "tables"], capture_output=True, text=True, check=True
        ).stdout
    )
    assert all(not Path(f"/proc/{pid}").exists() for pid in pids)
