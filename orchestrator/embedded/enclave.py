"""The embedded enclave: every service of a TRE on one machine, for ``tre up``.

Started in dependency order and stopped in reverse:

1. OpenBao with raft storage and a static unseal key (persistent, auto-unseals);
   a KV v2 engine at ``secret/`` and a transit engine at ``transit/``.
2. SeaweedFS with the airlock's quarantine and release buckets and one project bucket.
3. The enclave network: a namespace sealed by nftables rules on the host, which lets
   notebooks reach only the hub proxy and the airlock API.
4. The airlock API, when this checkout has it (see :func:`start_airlock_api`).
5. JupyterHub, whose notebook servers run unprivileged inside the namespace.

All state lives under one folder (``.tre/`` in the repository): the same folder reopens
the same enclave at the same ports.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.embedded.enclave_hub import EnclaveHub, HubSpec, proxy_binary, singleuser_env
from orchestrator.embedded.netns import EnclaveNetwork, NamespaceRunner
from orchestrator.embedded.openbao import OpenBaoPersistent, enable_kv2
from orchestrator.embedded.processes import (
    ManagedProcess,
    ServiceStartError,
    free_port,
    port_open,
)
from orchestrator.embedded.seaweedfs import SeaweedFS

log = logging.getLogger(__name__)

QUARANTINE_BUCKET = "airlock-quarantine"
RELEASE_BUCKET = "airlock-release"
AUDIT_BUCKET = "airlock-audit"
FIRST_NOTEBOOK_UID = 61000
_USER = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
PORT_NAMES = ("openbao", "openbao_cluster", "hub_proxy", "hub", "proxy_api", "airlock")


def project_bucket(project: str) -> str:
    return f"project-{project}"


def check_notebook_users(users: tuple[str, ...]) -> None:
    """Raise unless ``users`` is a non-empty list of distinct, simple user names."""
    if not users:
        raise ValueError("name at least one notebook user (--user alice)")
    for user in users:
        if not _USER.match(user):
            raise ValueError(
                f"notebook user {user!r} must be 1-32 lower-case letters, digits or hyphens, "
                "starting with a letter"
            )
    if len(set(users)) != len(users):
        raise ValueError(f"notebook users must be distinct, got {', '.join(users)}")


def make_user_ids(users: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """A distinct unprivileged uid per notebook user, stable for a given user list order."""
    return tuple((user, FIRST_NOTEBOOK_UID + 1 + i) for i, user in enumerate(users))


def network_name(state_dir: Path) -> str:
    """A short namespace name derived from the state folder, so two checkouts never clash."""
    return "e" + hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:6]


def load_ports(path: Path) -> dict[str, int]:
    """Ports saved by an earlier start, completed with free ports for any missing."""
    ports: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
    for name in PORT_NAMES:
        ports.setdefault(name, free_port())
    path.write_text(json.dumps(ports, indent=2))
    return ports


def start_airlock_api(
    state_dir: Path, host: str, port: int, storage: SeaweedFS
) -> tuple[ManagedProcess | None, str]:
    """Hook: start the airlock API if this checkout has ``orchestrator.api.app.app_from_environment``.

    Returns the process (or None) and a line for the summary saying what happened.
    The API verifies bearer tokens against an OIDC issuer, which the embedded enclave
    does not run: set ``TRE_AIRLOCK_OIDC__ISSUER`` (and any other ``TRE_AIRLOCK_*``
    settings) in the environment to start it.
    """
    try:
        app_module = importlib.import_module("orchestrator.api.app")
    except ImportError:
        return None, "airlock API: not in this checkout (orchestrator.api.app is missing)"
    if not hasattr(app_module, "app_from_environment"):
        return None, "airlock API: orchestrator.api.app has no app_from_environment()"
    if "TRE_AIRLOCK_OIDC__ISSUER" not in os.environ:
        return None, "airlock API: not started; set TRE_AIRLOCK_OIDC__ISSUER to an OIDC issuer"
    identities = storage.identities()
    identities.create_user("airlock")
    for old in identities.list_access_keys("airlock"):
        identities.delete_access_key("airlock", old)
    key = identities.create_access_key("airlock")
    # The airlock owns these two buckets outright (objects, versioning, retention) and
    # nothing else: every other bucket, including each project's, stays denied.
    identities.put_user_policy(
        "airlock",
        "airlock-buckets",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:*"],
                    "Resource": [
                        f"arn:aws:s3:::{bucket}{suffix}"
                        for bucket in (QUARANTINE_BUCKET, RELEASE_BUCKET, AUDIT_BUCKET)
                        for suffix in ("", "/*")
                    ],
                }
            ],
        },
    )
    folder = state_dir / "airlock"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o700)
    process = ManagedProcess(
        name="airlock API",
        argv=[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "orchestrator.api.app:app_from_environment",
            "--host",
            host,
            "--port",
            str(port),
        ],
        log_path=folder / "airlock.log",
        cwd=folder,
        env={
            "TRE_AIRLOCK_SERVER__HOST": host,
            "TRE_AIRLOCK_SERVER__PORT": str(port),
            "TRE_AIRLOCK_DATABASE__URL": f"sqlite:///{folder / 'airlock.db'}",
            "TRE_AIRLOCK_STORAGE__ENDPOINT": storage.endpoint,
            "TRE_AIRLOCK_STORAGE__ACCESS_KEY": key.access_key,
            "TRE_AIRLOCK_STORAGE__SECRET_KEY": key.secret_key,
            "TRE_AIRLOCK_STORAGE__QUARANTINE_BUCKET": QUARANTINE_BUCKET,
            "TRE_AIRLOCK_STORAGE__RELEASE_BUCKET": RELEASE_BUCKET,
            "TRE_AIRLOCK_AUDIT__BUCKET": AUDIT_BUCKET,
        },
    ).start()
    process.wait_ready(lambda: port_open(host, port), 60.0, "serving HTTP")
    return process, f"airlock API: http://{host}:{port}"


def reap_leftovers(pid_file: Path, state_dir: Path) -> list[int]:
    """Stop processes an earlier run recorded in ``pid_file`` that still run on ``state_dir``.

    An earlier ``tre up`` that was killed outright leaves its services running (each has
    its own session), holding the ports this run needs. Only processes whose command
    line names ``state_dir`` are touched, so a reused pid is never hit.
    """
    if not pid_file.exists():
        return []
    reaped = []
    for pid in json.loads(pid_file.read_text()).values():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if str(state_dir) not in cmdline:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
            reaped.append(pid)
    pid_file.unlink()
    return reaped


@dataclass
class Enclave:
    """The embedded enclave kept in ``state_dir``; ``start()``, ``summary()``, ``stop()``."""

    state_dir: Path
    users: tuple[str, ...] = ("alice", "ben")
    project: str = "demo"
    openbao: OpenBaoPersistent | None = field(default=None, init=False)
    storage: SeaweedFS | None = field(default=None, init=False)
    network: EnclaveNetwork | None = field(default=None, init=False)
    airlock: ManagedProcess | None = field(default=None, init=False)
    hub: EnclaveHub | None = field(default=None, init=False)
    notes: list[str] = field(default_factory=list, init=False)
    _stops: list[tuple[str, Callable[[], None]]] = field(default_factory=list, init=False)

    def start(self) -> Enclave:
        """Start everything; if one part fails, stop what was started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        check_notebook_users(self.users)
        runner = NamespaceRunner()  # fails first, before anything starts, unless we are root
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o711)
        for pid in reap_leftovers(self.pid_file, self.state_dir):
            log.warning("stopped process %d left running by an earlier run", pid)
        ports = load_ports(self.state_dir / "ports.json")

        self.openbao = OpenBaoPersistent(
            state_dir=self.state_dir / "openbao",
            port=ports["openbao"],
            cluster_port=ports["openbao_cluster"],
        )
        self._stops.append(("openbao", self.openbao.stop))
        self.openbao.start()
        self._record_pid("openbao", self.openbao.process)
        self._mount_secret_engines()

        self.storage = SeaweedFS(state_dir=self.state_dir / "seaweedfs")
        self._stops.append(("seaweedfs", self.storage.stop))
        self.storage.start()
        self._record_pid("seaweedfs", self.storage.process)
        client = self.storage.client()
        for bucket in (
            QUARANTINE_BUCKET,
            RELEASE_BUCKET,
            AUDIT_BUCKET,
            project_bucket(self.project),
        ):
            if not client.bucket_exists(bucket):
                client.make_bucket(bucket)

        self.network = EnclaveNetwork(
            name=network_name(self.state_dir),
            index=runner.free_index(),
            allowed_ports=(ports["hub_proxy"], ports["airlock"]),
        )
        network = self.network
        runner.up(network)
        self._stops.append(("enclave network", lambda: runner.down(network)))

        self.airlock, note = start_airlock_api(
            self.state_dir, network.host_ipv4, ports["airlock"], self.storage
        )
        self.notes.append(note)
        if self.airlock is not None:
            self._stops.append(("airlock API", self.airlock.stop))
            self._record_pid("airlock", self.airlock)

        self.hub = EnclaveHub(
            HubSpec(
                state_dir=self.state_dir / "jupyterhub",
                proxy_ip=network.host_ipv4,
                proxy_port=ports["hub_proxy"],
                hub_port=ports["hub"],
                proxy_api_port=ports["proxy_api"],
                proxy_command=str(proxy_binary()),
                namespace=network.namespace,
                singleuser_bin=str(singleuser_env() / "bin" / "jupyterhub-singleuser"),
                singleuser_ip=network.ns_ipv4,
                user_ids=make_user_ids(self.users),
            )
        )
        self._stops.append(("jupyterhub", self.hub.stop))
        self.hub.start()
        self._record_pid("jupyterhub", self.hub.process)

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "pids.json"

    def _record_pid(self, name: str, process: ManagedProcess | None) -> None:
        if process is None:
            return
        pids = json.loads(self.pid_file.read_text()) if self.pid_file.exists() else {}
        pids[name] = process.pid
        self.pid_file.write_text(json.dumps(pids))

    def _mount_secret_engines(self) -> None:
        assert self.openbao is not None
        client = self.openbao.client()
        mounted = client.sys.list_mounted_secrets_engines()
        mounts = mounted.get("data", mounted)
        enable_kv2(client, "secret")
        if "transit/" not in mounts:
            client.sys.enable_secrets_engine("transit", path="transit")

    def summary(self) -> str:
        """What runs where, for people."""
        if self.openbao is None or self.storage is None or self.network is None or self.hub is None:
            raise ServiceStartError("the enclave is not running")
        buckets = ", ".join(
            (QUARANTINE_BUCKET, RELEASE_BUCKET, AUDIT_BUCKET, project_bucket(self.project))
        )
        lines = [
            f"state folder:   {self.state_dir}",
            f"OpenBao:        {self.openbao.url}  (root token in {self.openbao.init_file})",
            f"S3 (SeaweedFS): {self.storage.url}  buckets: {buckets}",
            f"                admin keys in {self.storage.state_dir / 'settings.json'}",
            f"JupyterHub:     {self.hub.url}  users: {', '.join(self.users)}  "
            f"password: {self.hub.password}",
            f"enclave:        namespace {self.network.namespace} "
            f"({self.network.ns_ipv4}, {self.network.ns_ipv6}); reaches only ports "
            f"{', '.join(str(p) for p in self.network.allowed_ports)} on {self.network.host_ipv4}",
            *self.notes,
        ]
        return "\n".join(lines)

    def stop(self) -> None:
        """Stop everything that was started, in reverse order; keep going past failures."""
        while self._stops:
            name, stop = self._stops.pop()
            try:
                stop()
            except Exception:
                log.exception("could not stop %s", name)
        self.pid_file.unlink(missing_ok=True)
