"""Start, watch and stop local service processes.

Used by the embedded enclave (``tre up``) and by the test harness, so both run the
same real binaries the same way: bound to 127.0.0.1 on free ports, logs captured to a
file, readiness polled with a deadline, and stopped in reverse order of start.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


class ServiceStartError(RuntimeError):
    """A service did not become ready. The message names the service, why, and its log tail."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when a TCP connection to ``host:port`` succeeds."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file, or a note that it is empty."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: ask for SIGKILL when the parent dies."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class ManagedProcess:
    """One supervised child process with its log file."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    user: str | int | None = None
    group: str | int | None = None
    inherit_env: bool = True
    die_with_parent: bool = False
    """Linux only: the kernel kills the process if the thread that started it dies, so a
    supervisor killed without cleanup (SIGKILL, or SIGTERM to pytest) leaks nothing."""
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)
    stop_signal: int = signal.SIGTERM

    def start(self) -> ManagedProcess:
        """Start the process in its own session, appending output to the log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ) if self.inherit_env else {}
        if self.env:
            env.update(self.env)
        with self.log_path.open("ab") as out:
            self.popen = subprocess.Popen(
                list(self.argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
                user=self.user,
                group=self.group,
                # Switching to another user drops the supervisor's supplementary groups too.
                extra_groups=[] if self.user is not None else None,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        log.info("started %s (pid %d)", self.name, self.popen.pid)
        return self

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_ready(self, probe: Callable[[], bool], timeout: float, what: str = "ready") -> None:
        """Poll ``probe`` until it returns True; fail with the log tail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                code = self.popen.returncode if self.popen else None
                raise ServiceStartError(
                    f"{self.name} exited with status {code} before it was {what}.\n"
                    f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            with contextlib.suppress(Exception):
                if probe():
                    return
            time.sleep(0.1)
        raise ServiceStartError(
            f"{self.name} was not {what} within {timeout:.0f} s.\n"
            f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
        )

    def stop(self, grace: float = 10.0) -> None:
        """Send ``stop_signal`` (SIGTERM) to the process group, then SIGKILL it after ``grace`` seconds."""
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, self.stop_signal)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=grace)
        log.info("stopped %s", self.name)

    def kill(self) -> None:
        """SIGKILL the whole process group at once (crash tests)."""
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


@dataclass
class ProcessGroup:
    """Processes started together and stopped in reverse order."""

    processes: list[ManagedProcess] = field(default_factory=list)

    def add(self, process: ManagedProcess) -> ManagedProcess:
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception:  # keep stopping the others
                log.exception("could not stop %s", process.name)
        self.processes.clear()
