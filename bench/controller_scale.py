"""Project controller at scale: time until N projects are Ready, and the idle cost of N.

Starts a real control plane (kwok nodes), SeaweedFS and OpenBao on 127.0.0.1, prepares
the cluster as the chart does and runs ``tre operator run`` as a subprocess under the
operator's ServiceAccount. Then, for each size in ``--sizes`` (totals: 1,50,200 adds 1,
then 49, then 150 projects), it creates the missing projects at once and reports:

* how long until every new project reached each milestone, from one LIST of the
  ResearchProjects every 0.5 s: NamespaceReady, NetworkIsolated, VaultReady, HubReady,
  StorageReady, and phase Ready;
* the time the operator spent per area (Kubernetes, Vault, storage), from its metrics;
* over one idle resync period of all the projects: the operator's CPU time (as a share
  of one core), the writes it made (should be 0) and the reconciles it ran;
* the operator's peak resident memory.

Usage: ``.venv/bin/python bench/controller_scale.py [--sizes 1,50,200] [--resync 30]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, PLURAL  # noqa: E402
from orchestrator.embedded.kubernetes import start_control_plane  # noqa: E402
from orchestrator.embedded.openbao import OpenBaoDev  # noqa: E402
from orchestrator.embedded.seaweedfs import SeaweedFS  # noqa: E402
from tests.harness.kubernetes import Kube  # noqa: E402
from tests.integration.controller.platform import (  # noqa: E402
    OperatorFactory,
    RunningOperator,
    VaultTarget,
    prepare_cluster,
)
from tests.integration.controller.projects import Projects, make_spec  # noqa: E402

MILESTONES = ("NamespaceReady", "NetworkIsolated", "VaultReady", "HubReady", "StorageReady")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def list_projects(kube: Kube) -> list[dict[str, Any]]:
    with kube.plane.http(timeout=60.0) as client:
        response = client.get(f"/apis/{API_GROUP}/{API_VERSION}/{PLURAL}")
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def reached(project: dict[str, Any]) -> set[str]:
    status = project.get("status") or {}
    done = {c["type"] for c in status.get("conditions") or [] if c.get("status") == "True"}
    if status.get("phase") == "Ready":
        done.add("Ready")
    return done


def create_batch(projects: Projects, names: list[str]) -> dict[str, float]:
    """Create ``names`` at once; seconds from the first creation to each milestone for all."""
    started = time.monotonic()
    for name in names:
        projects.create(name, make_spec())
    created = time.monotonic() - started
    first: dict[str, dict[str, float]] = {name: {} for name in names}
    wanted = set(names)
    deadline = started + 60 * 60
    while time.monotonic() < deadline:
        now = time.monotonic() - started
        for item in list_projects(projects.kube):
            name = item["metadata"]["name"]
            if name in wanted:
                for milestone in reached(item):
                    first[name].setdefault(milestone, now)
        if all("Ready" in seen for seen in first.values()):
            break
        time.sleep(0.5)
    result = {"created (API calls)": created}
    for milestone in (*MILESTONES, "Ready"):
        times = [seen.get(milestone) for seen in first.values()]
        result[milestone] = max(t for t in times if t is not None) if all(times) else float("nan")
    return result


def area_seconds(operator: RunningOperator) -> dict[str, float]:
    metrics = operator.metrics()
    return {
        area: metrics.get(f'tre_reconcile_area_duration_seconds_sum{{area="{area}"}}', 0.0)
        for area in ("kubernetes", "vault", "storage")
    }


def idle_period(operator: RunningOperator, resync: float) -> dict[str, float]:
    """CPU share of one core, writes and reconciles over one resync period after settling."""
    time.sleep(min(resync, 10.0))  # let the last status patches and their events settle
    pid = operator.process.pid
    writes, runs = operator.writes(), operator.metric("tre_reconcile_duration_seconds_count")
    cpu, wall = cpu_seconds(pid), time.monotonic()
    time.sleep(resync)
    elapsed = time.monotonic() - wall
    return {
        "cpu share of one core": (cpu_seconds(pid) - cpu) / elapsed,
        "writes": operator.writes() - writes,
        "reconciles": operator.metric("tre_reconcile_duration_seconds_count") - runs,
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1,50,200", help="project totals, ascending")
    parser.add_argument("--resync", type=float, default=30.0, help="resync period (s)")
    parser.add_argument("--workers", type=int, default=16, help="TRE_OPERATOR_WORKERS")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    logs = Path(tempfile.mkdtemp(prefix="tre-bench-controller-logs-"))
    print(f"operator log in {logs}")
    with tempfile.TemporaryDirectory(prefix="tre-bench-controller-") as tmp:
        work = Path(tmp)
        plane = start_control_plane(work / "kubernetes")
        store = SeaweedFS(state_dir=work / "seaweedfs").start()
        vault = OpenBaoDev(log_dir=work / "openbao").start()
        try:
            kube = Kube(plane=plane, scratch=work / "scratch")
            kube.scratch.mkdir()
            cluster = prepare_cluster(kube, work / "cluster")
            cluster.scratch.mkdir(exist_ok=True)
            factory = OperatorFactory(
                cluster=cluster,
                vault=VaultTarget(vault.url, vault.root_token),
                s3=store,
                logs=logs,
            )
            operator = factory(
                resync_seconds=args.resync,
                name="bench",
                extra_env={"TRE_OPERATOR_WORKERS": str(args.workers)},
            )
            projects = Projects(kube)
            total = 0
            print(f"resync every {args.resync:.0f} s, {args.workers} worker threads, 2 cores")
            for size in sizes:
                names = [f"bench-{index:04d}" for index in range(total, size)]
                before = area_seconds(operator)
                milestones = create_batch(projects, names)
                after = area_seconds(operator)
                total = size
                idle = idle_period(operator, args.resync)
                print(f"\n== {total} projects ({len(names)} new)")
                for milestone, seconds in milestones.items():
                    print(f"  {milestone:<22} {seconds:8.1f} s")
                spent = {area: after[area] - before[area] for area in after}
                print(
                    "  time in areas (summed over threads): "
                    + ", ".join(f"{a} {s:.1f} s" for a, s in spent.items())
                )
                print(
                    f"  idle resync of all {total}: cpu {idle['cpu share of one core']:.3f} of "
                    f"one core over {idle['seconds']:.0f} s, {idle['reconciles']:.0f} reconciles, "
                    f"{idle['writes']:.0f} writes"
                )
                print(f"  operator peak RSS {peak_rss_mib(operator.process.pid):.0f} MiB")
            factory.stop_all()
        finally:
            vault.stop()
            store.stop()
            plane.stop()


if __name__ == "__main__":
    main()
