"""A real Kubernetes node beside the control plane: containerd, the kubelet, kube-router's
NetworkPolicy firewall and CoreDNS, so pods run real containers and policies are enforced.

Everything a run creates on the host carries the run's id and is removed by
:meth:`Node.stop`: the bridge, the cgroups, the mounts, kube-router's iptables chains and
ipsets, and the kubelet's leftovers under ``/var/lib/kubelet`` and ``/var/log``.

- The pods' network is a bridge ``tre<id>`` holding the node's address (the kubelet
  refuses a loopback address and this kernel has no dummy interface). Pods get addresses
  from the node's /24 and a route to that /24 only: no default route, so nothing outside
  the node is reachable from a pod.
- CoreDNS answers on the node's address for the cluster zone only; it has no forwarder, so
  names outside the cluster do not resolve.
- kube-router (used only for its firewall: the harness's enforcer, production clusters
  bring their own CNI) always lets the node itself reach pods, for probes.

The binaries are built by ``.ci/build-node.sh``, the images by ``.ci/build-images.sh``.
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestrator.embedded import host_cleanup as host
from orchestrator.embedded.kubernetes import (
    SERVICE_CIDR,
    ControlPlane,
    KubeletIdentity,
    make_kubeconfig,
    write_kubeconfig,
)
from orchestrator.embedded.paths import cache_dir
from orchestrator.embedded.processes import (
    ManagedProcess,
    ProcessGroup,
    ServiceStartError,
    free_port,
    tail,
)

log = logging.getLogger(__name__)

BUILD_HINT = "Run `make kubernetes` to build the node's binaries and images."
NODE_BINARIES = (
    "containerd",
    "containerd-shim-runc-v2",
    "ctr",
    "kubelet",
    "kube-router",
    "coredns",
)
CNI_PLUGINS = ("bridge", "host-local", "loopback", "portmap")
RUNC = Path("/usr/sbin/runc")
CLUSTER_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class NodeBinaries:
    """Where ``.ci/build-node.sh`` put the node's binaries and the CNI plugins."""

    folder: Path
    cni: Path

    def path(self, name: str) -> Path:
        return self.folder / name


@dataclass(frozen=True)
class BuiltImage:
    """One image ``.ci/build-images.sh`` built: its reference and its OCI archive."""

    name: str
    reference: str
    archive: Path


def find_node_binaries() -> NodeBinaries:
    """Locate the binaries ``.ci/build-node.sh`` built; fail saying how to build them."""
    pointer = cache_dir() / "node-path"
    if not pointer.is_file():
        raise FileNotFoundError(
            f"The node's binaries are not built ({pointer} is missing). {BUILD_HINT}"
        )
    root = Path(pointer.read_text().strip())
    found = NodeBinaries(folder=root / "bin", cni=root / "cni")
    missing = [str(found.path(n)) for n in NODE_BINARIES if not found.path(n).is_file()]
    missing += [str(found.cni / n) for n in CNI_PLUGINS if not (found.cni / n).is_file()]
    if not RUNC.is_file():
        missing.append(f"{RUNC} (Debian's runc: run .ci/install-system.sh)")
    if missing:
        raise FileNotFoundError(f"missing: {', '.join(missing)}. {BUILD_HINT}")
    return found


def find_images() -> dict[str, BuiltImage]:
    """The images ``.ci/build-images.sh`` built, by name (orchestrator, hub, workspace, pause, test)."""
    index = cache_dir() / "images" / "index.tsv"
    if not index.is_file():
        raise FileNotFoundError(f"The images are not built ({index} is missing). {BUILD_HINT}")
    images: dict[str, BuiltImage] = {}
    for line in index.read_text().splitlines():
        name, reference, archive = line.split("\t")
        images[name] = BuiltImage(name=name, reference=reference, archive=Path(archive))
    missing = [i.name for i in images.values() if not i.archive.is_file()]
    if missing or "pause" not in images:
        raise FileNotFoundError(
            f"image archives missing ({', '.join(missing) or 'pause'}). {BUILD_HINT}"
        )
    return images


def new_identity() -> KubeletIdentity:
    """A node name and a pod /24 unique to this run (10.244.0.0/16 is never routed here)."""
    run = secrets.token_hex(3)
    return KubeletIdentity(name=f"tre-node-{run}", pod_cidr=f"10.244.{random.randint(1, 254)}.0/24")


@dataclass
class Node:
    """A running real node. Stop it with :meth:`stop`; it removes what it created."""

    plane: ControlPlane
    identity: KubeletIdentity
    workdir: Path
    binaries: NodeBinaries
    images: dict[str, BuiltImage]
    run_id: str
    processes: ProcessGroup = field(default_factory=ProcessGroup)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def address(self) -> str:
        """The node's address: the bridge's, and the pods' gateway and DNS server."""
        return self.identity.pod_cidr.rsplit(".", 1)[0] + ".1"

    @property
    def bridge(self) -> str:
        return f"tre{self.run_id}"

    @property
    def run_dir(self) -> Path:
        """Short paths for sockets (a unix socket path has at most 107 bytes)."""
        return Path("/run") / f"tre-node-{self.run_id}"

    @property
    def cgroup(self) -> str:
        """The kubelet's cgroup root; containerd and its shims live in ``<cgroup>-runtime``."""
        return f"tre-node-{self.run_id}"

    @property
    def containerd_socket(self) -> Path:
        return self.run_dir / "containerd.sock"

    def ctr(self, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
        """Run ``ctr`` against this node's containerd, in the kubelet's namespace."""
        return subprocess.run(
            [
                str(self.binaries.path("ctr")),
                "--address",
                str(self.containerd_socket),
                "-n",
                "k8s.io",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def image(self, name: str) -> str:
        """The reference of a built image, as pods name it (pull policy ``Never``)."""
        return self.images[name].reference

    def stop(self) -> None:
        """Stop the pods, the node's processes and containers, and remove what the run created."""
        _delete_pods_on(self)
        self.processes.stop_all()
        cgroups = (f"{self.cgroup}-runtime", self.cgroup)
        for cgroup in cgroups:
            host.kill_cgroup(cgroup)
        host.unmount_under((self.workdir, self.run_dir, Path("/var/lib/kubelet")))
        host.remove_kube_router_rules()
        host.run(["ip", "link", "delete", self.bridge], check=False)
        for cgroup in cgroups:
            host.remove_cgroup(cgroup)
        host.remove_kubelet_leftovers(self.workdir / "pod-logs")
        shutil.rmtree(self.run_dir, ignore_errors=True)
        # The shims' fixed folders (runc state, fifos, sockets): only what is empty now.
        host.remove_empty_folders(Path("/run/containerd"))
        host.remove_empty_folders(Path("/run/netns"))

    def leftovers(self) -> list[str]:
        """What of this run is still on the host (empty after :meth:`stop`)."""
        found = [f"process {p.name}" for p in self.processes.processes if p.running()]
        if (Path("/sys/class/net") / self.bridge).exists():
            found.append(f"bridge {self.bridge}")
        found += [str(p) for p in host.CGROUP_ROOT.glob(f"*/{self.cgroup}*")]
        found += [f"mount {m}" for m in host.mounts_under((self.workdir, self.run_dir))]
        found += [f"iptables chain {c}" for c in host.kube_router_chains()]
        found += [f"ipset {n}" for n in host.kube_router_ipsets()]
        if self.run_dir.exists():
            found.append(str(self.run_dir))
        return found


def start_node(
    plane: ControlPlane,
    workdir: Path,
    load: Sequence[str] = ("pause", "test"),
    timeout: float = 180.0,
) -> Node:
    """Start containerd, CoreDNS, the kubelet and kube-router for the control plane's
    kubelet identity, load the built images named in ``load`` (the pause image always),
    and return once the node is Ready."""
    if plane.kubelet is None:
        raise ValueError("the control plane was started without a kubelet identity")
    binaries = find_node_binaries()
    built = find_images()
    unknown = sorted(set(load) - set(built))
    if unknown:
        raise FileNotFoundError(f"images not built: {', '.join(unknown)}. {BUILD_HINT}")
    images = {name: built[name] for name in {"pause", *load}}
    begun = time.monotonic()
    node = Node(
        plane=plane,
        identity=plane.kubelet,
        workdir=workdir,
        binaries=binaries,
        images=images,
        run_id=secrets.token_hex(4),
    )
    try:
        node.run_dir.mkdir(parents=True)
        _make_bridge(node)
        _make_cgroups(node)
        _start_containerd(node, timeout)
        node.timings["containerd"] = time.monotonic() - begun
        _load_images(node)
        node.timings["images"] = time.monotonic() - begun
        _start_coredns(node, timeout)
        _start_kubelet(node)
        # kube-router finds its node by name: it exits if the kubelet has not registered it.
        _wait_node(node, timeout, ready=False)
        node.timings["registered"] = time.monotonic() - begun
        _start_kube_router(node)
        _wait_node(node, timeout, ready=True)
    except BaseException:
        node.stop()
        raise
    node.timings["ready"] = time.monotonic() - begun
    log.info("node %s ready: %s", node.name, node.timings)
    return node


def _make_bridge(node: Node) -> None:
    prefix = node.identity.pod_cidr.rsplit("/", 1)[1]
    host.run(["ip", "link", "add", node.bridge, "type", "bridge"])
    host.run(["ip", "addr", "add", f"{node.address}/{prefix}", "dev", node.bridge])
    host.run(["ip", "link", "set", node.bridge, "up"])


def _make_cgroups(node: Node) -> None:
    for hierarchy in host.cgroup_controllers():
        for name in (node.cgroup, f"{node.cgroup}-runtime"):
            (hierarchy / name).mkdir(exist_ok=True)
    cpuset = host.CGROUP_ROOT / "cpuset"
    for name in (node.cgroup, f"{node.cgroup}-runtime"):
        # A new cpuset holds no CPU and no memory node until given its parent's.
        for key in ("cpuset.cpus", "cpuset.mems"):
            (cpuset / name / key).write_text((cpuset / key).read_text())


def _containerd_config(node: Node) -> str:
    cri_runtime = "plugins.'io.containerd.cri.v1.runtime'"
    runc = f"{cri_runtime}.containerd.runtimes.runc"
    return f"""version = 3
root = '{node.workdir / "containerd" / "root"}'
state = '{node.run_dir / "state"}'
imports = []
# NRI listens on a fixed host path; the run needs none of these.
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.internal.v1.opt']

[grpc]
  address = '{node.containerd_socket}'

[ttrpc]
  address = '{node.run_dir / "containerd.sock.ttrpc"}'

[debug]
  address = ''

[metrics]
  address = ''

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = '{node.image("pause")}'

[{cri_runtime}]
  # This machine's root cannot lower oom_score_adj (no CAP_SYS_RESOURCE).
  restrict_oom_score_adj = true
  [{cri_runtime}.containerd]
    default_runtime_name = 'runc'
  [{runc}]
    runtime_type = 'io.containerd.runc.v2'
  [{runc}.options]
    BinaryName = '{RUNC}'
    SystemdCgroup = false
  [{cri_runtime}.cni]
    bin_dirs = ['{node.binaries.cni}']
    conf_dir = '{node.workdir / "cni" / "net.d"}'

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
"""


def _cni_config(node: Node) -> dict[str, Any]:
    cidr = node.identity.pod_cidr
    return {
        "cniVersion": "1.0.0",
        "name": "tre",
        "plugins": [
            {
                "type": "bridge",
                "bridge": node.bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": cidr, "gateway": node.address}]],
                    "dataDir": str(node.workdir / "cni" / "ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def _in_cgroup(cgroup: str, argv: list[str]) -> list[str]:
    """``argv`` started inside ``cgroup`` (pids hierarchy), so teardown finds every process
    it leaves behind: containerd's shims and the containers' processes outlive it."""
    procs = host.CGROUP_ROOT / "pids" / cgroup / "cgroup.procs"
    return ["/bin/sh", "-c", f'echo $$ > {procs} && exec "$@"', "sh", *argv]


def _start_containerd(node: Node, timeout: float) -> None:
    config = node.workdir / "containerd" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(_containerd_config(node))
    net_d = node.workdir / "cni" / "net.d"
    net_d.mkdir(parents=True, exist_ok=True)
    (net_d / "10-tre.conflist").write_text(json.dumps(_cni_config(node), indent=2))
    containerd = node.processes.add(
        ManagedProcess(
            "containerd",
            _in_cgroup(
                f"{node.cgroup}-runtime",
                [str(node.binaries.path("containerd")), "--config", str(config)],
            ),
            node.workdir / "logs" / "containerd.log",
            env={"PATH": f"{node.binaries.folder}:{os.environ.get('PATH', '/usr/bin:/bin')}"},
            die_with_parent=True,
        )
    )
    containerd.start().wait_ready(
        lambda: node.ctr("version", timeout=5).returncode == 0, timeout, "serving (ctr version)"
    )


def _load_images(node: Node) -> None:
    for image in node.images.values():
        result = node.ctr("images", "import", "--no-unpack", str(image.archive))
        if result.returncode != 0:
            raise ServiceStartError(f"could not load {image.reference}: {result.stderr.strip()}")
    listed = node.ctr("images", "list", "--quiet").stdout.split()
    absent = [i.reference for i in node.images.values() if i.reference not in listed]
    if absent:
        raise ServiceStartError(f"containerd does not list the loaded images {absent}: {listed}")


def _start_coredns(node: Node, timeout: float) -> None:
    corefile = node.workdir / "coredns" / "Corefile"
    corefile.parent.mkdir(parents=True, exist_ok=True)
    # The cluster zone only and no forwarder: every other name is refused.
    corefile.write_text(
        f"""{CLUSTER_DOMAIN}:53 {{
    bind {node.address}
    errors
    kubernetes {CLUSTER_DOMAIN} {{
        kubeconfig {node.plane.kubeconfig}
    }}
}}
"""
    )
    coredns = node.processes.add(
        ManagedProcess(
            "coredns",
            [str(node.binaries.path("coredns")), "-conf", str(corefile)],
            node.workdir / "logs" / "coredns.log",
            cwd=corefile.parent,
            die_with_parent=True,
        )
    )
    coredns.start()


def _start_kubelet(node: Node) -> None:
    kubeconfig = write_kubeconfig(
        node.workdir / "kubelet" / "kubeconfig",
        make_kubeconfig(
            node.plane.api_url, node.plane.ca_file, f"system:node:{node.name}", node.identity.token
        ),
    )
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": node.address,
        "port": free_port(),
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": free_port(),
        "readOnlyPort": 0,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(node.plane.kubelet_client_ca)},
        },
        "authorization": {"mode": "Webhook"},
        "containerRuntimeEndpoint": f"unix://{node.containerd_socket}",
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": f"/{node.cgroup}",
        "failCgroupV1": False,
        "failSwapOn": False,
        "protectKernelDefaults": False,
        "resolvConf": "",
        "clusterDNS": [node.address],
        "clusterDomain": CLUSTER_DOMAIN,
        "podLogsDir": str(node.workdir / "pod-logs"),
        "serializeImagePulls": False,
        # No KUBE-FIREWALL and canary chains on the shared host: nothing here needs them.
        "makeIPTablesUtilChains": False,
        # The machine's disk is shared: never evict the run's pods for it.
        "evictionHard": {
            "memory.available": "1Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
    }
    config_file = node.workdir / "kubelet" / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    node.processes.add(
        ManagedProcess(
            "kubelet",
            [
                str(node.binaries.path("kubelet")),
                f"--config={config_file}",
                f"--kubeconfig={kubeconfig}",
                f"--root-dir={node.workdir / 'kubelet' / 'root'}",
                f"--cert-dir={node.workdir / 'kubelet' / 'pki'}",
                f"--hostname-override={node.name}",
                f"--node-ip={node.address}",
                "--v=1",
            ],
            node.workdir / "logs" / "kubelet.log",
            die_with_parent=True,
        )
    ).start()


def _start_kube_router(node: Node) -> None:
    node.processes.add(
        ManagedProcess(
            "kube-router",
            [
                str(node.binaries.path("kube-router")),
                f"--kubeconfig={node.plane.kubeconfig}",
                f"--hostname-override={node.name}",
                "--run-firewall=true",
                "--run-router=false",
                "--run-service-proxy=false",
                "--enable-cni=false",
                "--health-port=0",
                "--metrics-port=0",
                "--iptables-sync-period=5s",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
            ],
            node.workdir / "logs" / "kube-router.log",
            die_with_parent=True,
        )
    ).start()


def _wait_node(node: Node, timeout: float, ready: bool) -> None:
    """Wait until the kubelet has registered the Node (and, with ``ready``, until Ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in node.processes.processes:
            if not process.running():
                raise ServiceStartError(
                    f"{process.name} exited before node {node.name} was Ready.\n"
                    f"Last lines of {process.log_path}:\n{tail(process.log_path)}"
                )
        with node.plane.http(timeout=2.0) as client:
            response = client.get(f"/api/v1/nodes/{node.name}")
        if response.status_code == 200 and not ready:
            return
        if response.status_code == 200:
            conditions = response.json().get("status", {}).get("conditions") or []
            if any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
                return
        time.sleep(0.2)
    raise ServiceStartError(
        f"node {node.name} was not Ready within {timeout:.0f} s; logs in {node.workdir / 'logs'}"
    )


def _delete_pods_on(node: Node, timeout: float = 60.0) -> None:
    """Delete the node's pods while the kubelet runs, so it tears their sandboxes (network
    namespaces, veths, IP leases) down through the runtime."""
    kubelet = next((p for p in node.processes.processes if p.name == "kubelet"), None)
    if kubelet is None or not kubelet.running():
        return
    selector = {"fieldSelector": f"spec.nodeName={node.name}"}
    with node.plane.http(timeout=10.0) as client:
        pods = client.get("/api/v1/pods", params=selector).json().get("items", [])
        for pod in pods:
            meta = pod["metadata"]
            client.delete(
                f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}",
                params={"gracePeriodSeconds": "0"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and client.get(
            "/api/v1/pods", params=selector
        ).json().get("items"):
            time.sleep(0.2)
    # The kubelet stops a deleted pod's sandbox just after the API object is gone.
    sandboxes_gone = time.monotonic() + 15
    while time.monotonic() < sandboxes_gone and _pod_interfaces_left(node):
        time.sleep(0.2)


def _pod_interfaces_left(node: Node) -> bool:
    """True while a pod network interface is still attached to the node's bridge."""
    brif = Path("/sys/class/net") / node.bridge / "brif"
    return brif.is_dir() and any(brif.iterdir())
