"""Undo what a real node leaves on the host: processes in its cgroups, mounts, kube-router's
iptables chains and ipsets, cgroup folders and the kubelet's fixed host paths.

Used by :meth:`orchestrator.embedded.node.Node.stop`; every function is safe to call
when there is nothing to remove.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
KUBE_ROUTER_PREFIXES = ("KUBE-ROUTER-", "KUBE-NWPLCY-", "KUBE-POD-FW-", "KUBE-SRC-", "KUBE-DST-")
"""Names of the iptables chains and ipsets kube-router's firewall creates."""


class HostCommandError(RuntimeError):
    """A host command (``ip``, ``iptables``...) failed; the message has its stderr."""


def run(argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a host command; with ``check``, fail with its stderr."""
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if check and result.returncode != 0:
        raise HostCommandError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return result


def cgroup_controllers() -> list[Path]:
    """The mounted cgroup v1 hierarchies (not the empty cgroup2 at ``unified``)."""
    return [p for p in sorted(CGROUP_ROOT.iterdir()) if p.is_dir() and p.name != "unified"]


def cgroup_hierarchies() -> list[Path]:
    """Every mounted hierarchy, the cgroup2 at ``unified`` too (runc makes folders there)."""
    return [p for p in sorted(CGROUP_ROOT.iterdir()) if p.is_dir()]


def kill_cgroup(cgroup: str, timeout: float = 20.0) -> None:
    """SIGKILL every process in the cgroup and its children until none is left."""
    top = CGROUP_ROOT / "pids" / cgroup
    if not top.is_dir():
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [
            int(pid) for procs in top.rglob("cgroup.procs") for pid in procs.read_text().split()
        ]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    log.warning("processes left in cgroup %s", top)


def mounts_under(roots: tuple[Path, ...]) -> list[str]:
    """Mount points below ``roots``, deepest first."""
    prefixes = tuple(str(root.resolve()) + "/" for root in roots if root.exists())
    if not prefixes:
        return []
    mounts = [
        line.split()[4].replace("\\040", " ")
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
    ]
    return sorted((m for m in mounts if m.startswith(prefixes)), key=len, reverse=True)


def unmount_under(roots: tuple[Path, ...]) -> None:
    """Unmount what containerd and the kubelet mounted below ``roots`` (deepest first)."""
    for point in mounts_under(roots):
        run(["umount", "-l", point], check=False)


def kube_router_chains() -> list[str]:
    """kube-router's iptables chains (filter table, IPv4 and IPv6) present now."""
    chains: list[str] = []
    for binary in ("iptables", "ip6tables"):
        for rule in run([f"{binary}-save", "-t", "filter"], check=False).stdout.splitlines():
            if rule.startswith(":") and rule[1:].startswith(KUBE_ROUTER_PREFIXES):
                chains.append(rule[1:].split()[0])
    return chains


def kube_router_ipsets() -> list[str]:
    """kube-router's ipsets present now."""
    names = run(["ipset", "list", "-name"], check=False).stdout.split()
    return [n for n in names if n.startswith((*KUBE_ROUTER_PREFIXES, "kube-router-"))]


def remove_kube_router_rules() -> None:
    """kube-router's own cleanup panics without IPVS: remove its chains and ipsets here."""
    for binary in ("iptables", "ip6tables"):
        rules = run([f"{binary}-save", "-t", "filter"], check=False).stdout.splitlines()
        for rule in rules:
            if not rule.startswith("-A "):
                continue
            parts = shlex.split(rule)  # comments are quoted and hold spaces
            jumps = parts[parts.index("-j") + 1] if "-j" in parts else ""
            if jumps.startswith(KUBE_ROUTER_PREFIXES) and not parts[1].startswith(
                KUBE_ROUTER_PREFIXES
            ):
                run([binary, "-t", "filter", "-D", *parts[1:]], check=False)
        chains = [
            rule[1:].split()[0]
            for rule in rules
            if rule.startswith(":") and rule[1:].startswith(KUBE_ROUTER_PREFIXES)
        ]
        for chain in chains:
            run([binary, "-t", "filter", "-F", chain], check=False)
        for chain in chains:
            run([binary, "-t", "filter", "-X", chain], check=False)
    for name in kube_router_ipsets():
        run(["ipset", "destroy", name], check=False)


def remove_cgroup(cgroup: str) -> None:
    # A cgroup folder holding only its control files can be removed with rmdir.
    for hierarchy in cgroup_hierarchies():
        remove_empty_folders(hierarchy / cgroup)


def remove_empty_folders(top: Path) -> None:
    if not top.is_dir():
        return
    for folder in sorted(
        (p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        top.rmdir()


def remove_kubelet_leftovers(pod_logs: Path) -> None:
    """The kubelet writes a few host paths whatever its root dir: remove the links into
    ``pod_logs`` and, when no other kubelet runs, its fixed folders."""
    containers = Path("/var/log/containers")
    if containers.is_dir():
        for link in containers.iterdir():
            with contextlib.suppress(OSError):
                if link.is_symlink() and str(link.readlink()).startswith(str(pod_logs)):
                    link.unlink()
    remove_empty_folders(containers)
    if _a_kubelet_runs():
        return
    for leftover in ("pki", "device-plugins", "plugins", "plugins_registry", "pod-resources"):
        shutil.rmtree(Path("/var/lib/kubelet") / leftover, ignore_errors=True)
    remove_empty_folders(Path("/var/lib/kubelet"))


def _a_kubelet_runs() -> bool:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if (proc / "comm").read_text().strip() == "kubelet":
                    return True
    return False
