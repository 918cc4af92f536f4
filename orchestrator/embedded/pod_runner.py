"""Run the single-user servers of Running kwok pods as local processes.

kwok marks pods Running without running anything. For pods that carry the label
KubeSpawner puts on single-user servers, this runner starts the pod's command (its
``command`` and ``args``) as a local process with the pod's environment, bound to the
pod's address (kwok hands out addresses in 127.X.Y.0/24, which are local on Linux), and
stops it when the pod is deleted. So a hub that spawns through the real API server sees
a real server answer at the pod's address.

Processes never run as root: they take the pod's ``runAsUser``/``runAsGroup`` when set
(and not 0), and otherwise the unprivileged ``nobody`` user. When this process itself is
not root, they run as the current user. Each gets a fresh, private home folder and only
the pod's environment (plus ``PATH`` to the single-user environment and ``HOME``).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import pwd
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from orchestrator.embedded.kubernetes import ControlPlane
from orchestrator.embedded.processes import ManagedProcess

log = logging.getLogger(__name__)

Lookup = Callable[[str, str, str, str], str]
"""``lookup(kind, namespace, name, key)``: a value from a Secret (``secrets``) or ConfigMap."""

SINGLEUSER_SELECTOR = "component=singleuser-server"
FALLBACK_USER = "nobody"
FIELD_PATHS: dict[str, Callable[[dict[str, Any]], str]] = {
    "metadata.name": lambda pod: pod["metadata"]["name"],
    "metadata.namespace": lambda pod: pod["metadata"]["namespace"],
    "metadata.uid": lambda pod: pod["metadata"]["uid"],
    "spec.nodeName": lambda pod: pod["spec"].get("nodeName", ""),
    "spec.serviceAccountName": lambda pod: pod["spec"].get("serviceAccountName", ""),
    "status.podIP": lambda pod: pod["status"].get("podIP", ""),
    "status.hostIP": lambda pod: pod["status"].get("hostIP", ""),
}


class PodCommandError(ValueError):
    """A pod cannot be run locally; the message says why."""


@dataclass(frozen=True)
class LocalCommand:
    """What to run for one pod, and as whom."""

    argv: list[str]
    env: dict[str, str]
    uid: int
    gid: int


def rebind(url: str, address: str) -> str:
    """``url`` with its host replaced by ``address`` (the port and path are kept)."""
    parts = urlsplit(url)
    netloc = address if parts.port is None else f"{address}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def pick_container(pod: dict[str, Any]) -> dict[str, Any]:
    """KubeSpawner names the server's container ``notebook``; otherwise take the first."""
    containers: list[dict[str, Any]] = pod["spec"]["containers"]
    return next((c for c in containers if c.get("name") == "notebook"), containers[0])


def resolve_env(pod: dict[str, Any], container: dict[str, Any], lookup: Lookup) -> dict[str, str]:
    """The container's environment with ``valueFrom`` references resolved.

    ``lookup(kind, namespace, name, key)`` returns a Secret's or ConfigMap's value.
    """
    env: dict[str, str] = {}
    namespace = pod["metadata"]["namespace"]
    for item in container.get("env") or []:
        name = item["name"]
        if "valueFrom" not in item:
            env[name] = item.get("value", "")
            continue
        source = item["valueFrom"]
        if "fieldRef" in source:
            path = source["fieldRef"]["fieldPath"]
            if path not in FIELD_PATHS:
                raise PodCommandError(f"env {name}: field {path} is not supported locally")
            env[name] = str(FIELD_PATHS[path](pod))
        elif "secretKeyRef" in source or "configMapKeyRef" in source:
            kind = "secrets" if "secretKeyRef" in source else "configmaps"
            ref = source.get("secretKeyRef") or source["configMapKeyRef"]
            env[name] = lookup(kind, namespace, ref["name"], ref["key"])
        else:
            raise PodCommandError(
                f"env {name}: {sorted(source)} references are not supported locally"
            )
    return env


def run_as(
    pod: dict[str, Any], container: dict[str, Any], fallback: tuple[int, int]
) -> tuple[int, int]:
    """The pod's non-root user and group, or ``fallback`` for what it leaves unset or root."""
    pod_context = pod["spec"].get("securityContext") or {}
    context = container.get("securityContext") or {}
    uid = context.get("runAsUser", pod_context.get("runAsUser"))
    gid = context.get("runAsGroup", pod_context.get("runAsGroup"))
    return (
        uid if isinstance(uid, int) and uid > 0 else fallback[0],
        gid if isinstance(gid, int) and gid > 0 else fallback[1],
    )


def make_local_command(
    pod: dict[str, Any], lookup: Lookup, singleuser_bin: Path, fallback: tuple[int, int]
) -> LocalCommand:
    """Translate a Running pod into the local process that stands in for its container."""
    address = pod["status"].get("podIP")
    if not address:
        raise PodCommandError("the pod has no address yet")
    container = pick_container(pod)
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    if not argv:
        raise PodCommandError(
            "the pod has no command: set KubeSpawner.cmd (for example ['jupyterhub-singleuser'])"
        )
    argv = [f"--ip={address}" if arg.startswith("--ip=") else arg for arg in argv]
    env = resolve_env(pod, container, lookup)
    if "JUPYTERHUB_SERVICE_URL" in env:
        env["JUPYTERHUB_SERVICE_URL"] = rebind(env["JUPYTERHUB_SERVICE_URL"], address)
    env["PATH"] = f"{singleuser_bin}:/usr/local/bin:/usr/bin:/bin"
    env.setdefault("USER", env.get("JUPYTERHUB_USER", "jovyan"))
    env.setdefault("LOGNAME", env["USER"])
    uid, gid = run_as(pod, container, fallback)
    return LocalCommand(argv=argv, env=env, uid=uid, gid=gid)


@dataclass
class RunningPod:
    namespace: str
    name: str
    process: ManagedProcess
    home: Path
    started_at: float = field(default_factory=time.time)
    """When the process started (seconds since the epoch)."""


@dataclass
class PodRunner:
    """Watches pods in the namespaces it is told about; start with :meth:`start`."""

    plane: ControlPlane
    singleuser_bin: Path
    workdir: Path
    selector: str = SINGLEUSER_SELECTOR
    poll_seconds: float = 0.2
    namespaces: set[str] = field(default_factory=set)
    running: dict[str, RunningPod] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _homes: Path | None = None

    def watch(self, namespace: str) -> None:
        """Also run the single-user pods of ``namespace``."""
        self.namespaces.add(namespace)

    def start(self) -> PodRunner:
        self._homes = Path(tempfile.mkdtemp(prefix="tre-pod-homes-"))
        self._homes.chmod(0o711)  # others may enter their own folder, not list the rest
        self._thread = threading.Thread(target=self._loop, name="pod-runner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching, then stop every process it started."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for key in list(self.running):
            self._end(key)
        if self._homes is not None:
            shutil.rmtree(self._homes, ignore_errors=True)

    def _loop(self) -> None:
        # One client (one TLS session) for the runner's life: polling is then cheap.
        with self.plane.http(timeout=5.0) as client:
            while not self._stop.is_set():
                try:
                    if self.namespaces:
                        self._sync(client)
                except Exception:  # keep watching; the next round retries
                    log.exception("pod runner could not sync")
                self._stop.wait(self.poll_seconds)

    def _sync(self, client: httpx.Client) -> None:
        response = client.get("/api/v1/pods", params={"labelSelector": self.selector})
        response.raise_for_status()
        pods = [
            p for p in response.json()["items"] if p["metadata"]["namespace"] in self.namespaces
        ]

        def lookup(kind: str, namespace: str, name: str, key: str) -> str:
            found = client.get(f"/api/v1/namespaces/{namespace}/{kind}/{name}")
            found.raise_for_status()
            data = found.json()
            if kind == "secrets":
                return base64.b64decode(data["data"][key]).decode()
            return str(data["data"][key])

        alive = set()
        for pod in pods:
            key = pod["metadata"]["uid"]
            wanted = pod["status"].get("phase") == "Running" and not pod["metadata"].get(
                "deletionTimestamp"
            )
            if wanted:
                alive.add(key)
                if key not in self.running and key not in self.failures:
                    self._begin(key, pod, lookup)
        for key in set(self.running) - alive:
            self._end(key)

    def _begin(self, key: str, pod: dict[str, Any], lookup: Lookup) -> None:
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        try:
            command = make_local_command(pod, lookup, self.singleuser_bin, _fallback_ids())
        except (PodCommandError, KeyError) as exc:
            self.failures[key] = f"{namespace}/{name}: {exc}"
            log.error("cannot run pod %s/%s locally: %s", namespace, name, exc)
            return
        assert self._homes is not None
        home = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self._homes))
        as_root = os.geteuid() == 0
        if as_root:
            os.chown(home, command.uid, command.gid)
        process = ManagedProcess(
            f"pod {namespace}/{name}",
            command.argv,
            self.workdir / f"{namespace}.{name}.log",
            env={**command.env, "HOME": str(home)},
            cwd=home,
            user=command.uid if as_root else None,
            group=command.gid if as_root else None,
            inherit_env=False,
            die_with_parent=True,
        )
        try:
            process.start()
        except OSError as exc:
            self.failures[key] = f"{namespace}/{name}: {exc}"
            log.error("could not start pod %s/%s: %s", namespace, name, exc)
            return
        self.running[key] = RunningPod(namespace=namespace, name=name, process=process, home=home)
        log.info("running pod %s/%s as uid %d: %s", namespace, name, command.uid, command.argv)

    def _end(self, key: str) -> None:
        pod = self.running.pop(key)
        pod.process.stop(grace=5.0)
        with contextlib.suppress(OSError):
            shutil.rmtree(pod.home)
        log.info("stopped pod %s/%s", pod.namespace, pod.name)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no process is left running (after the pods are deleted)."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            time.sleep(0.05)


def _fallback_ids() -> tuple[int, int]:
    entry = pwd.getpwnam(FALLBACK_USER)
    return entry.pw_uid, entry.pw_gid
