"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and kwok with fake nodes.

kwok manages only the nodes it is given (annotated ``kwok.x-k8s.io/node: fake``); a
control plane started with a :class:`KubeletIdentity` also accepts a real kubelet (see
:mod:`orchestrator.embedded.node`) and allocates that node's pod range.

Nothing runs in the pods: kwok marks them Running on its fake nodes and gives them
addresses from a loopback range (127.X.Y.0/24), so a helper can run a pod's command as
a local process bound to that address. Everything else is the real API server: schema
validation, admission (PodSecurity), RBAC with ServiceAccount tokens, watches,
server-side apply, garbage collection and namespace deletion.

The binaries are built by ``make kubernetes`` (``.ci/build-kubernetes.sh``), which
writes their folder to ``<cache>/kubernetes-bin-path``.
"""

from __future__ import annotations

import datetime
import logging
import random
import secrets
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from orchestrator.embedded.paths import cache_dir
from orchestrator.embedded.processes import (
    ManagedProcess,
    ProcessGroup,
    ServiceStartError,
    free_port,
    port_open,
    tail,
)

log = logging.getLogger(__name__)

BUILD_HINT = "Run `make kubernetes` to build the Kubernetes binaries (about 10 minutes cold)."
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "helm")
ADMIN_USER = "tre-admin"
FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node"
SERVICE_CIDR = "10.0.0.0/16"
"""Service addresses (the ``kubernetes`` Service is 10.0.0.1)."""


@dataclass(frozen=True)
class NodeSpec:
    """A fake node kwok manages: generous by default, so 200 projects fit on one."""

    name: str
    cpu: str = "64"
    memory: str = "256Gi"
    pods: str = "1000"


@dataclass(frozen=True)
class KubeletIdentity:
    """A real node the control plane accepts: the kubelet authenticates with ``token`` as
    ``system:node:<name>`` (group ``system:nodes``), so the Node authorizer applies."""

    name: str
    pod_cidr: str
    """The node's pod range (a /24), allocated to it by the controller manager."""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass(frozen=True)
class Binaries:
    """Where the built control-plane binaries and kwok's stage definitions are."""

    folder: Path
    stages: Path

    def path(self, name: str) -> Path:
        return self.folder / name


def find_binaries() -> Binaries:
    """Locate the binaries ``make kubernetes`` built; fail saying how to build them."""
    pointer = cache_dir() / "kubernetes-bin-path"
    if not pointer.is_file():
        raise FileNotFoundError(
            f"The Kubernetes binaries are not built ({pointer} is missing). {BUILD_HINT}"
        )
    folder = Path(pointer.read_text().strip())
    missing = [name for name in BINARIES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} missing from {folder}. {BUILD_HINT}")
    stages = folder.parent / "kwok-stages.yaml"
    if not stages.is_file():
        raise FileNotFoundError(f"kwok's stage definitions are missing ({stages}). {BUILD_HINT}")
    return Binaries(folder=folder, stages=stages)


def random_pod_subnet() -> str:
    """A /24 inside 127.0.0.0/8 for pod addresses, different for each control plane so that
    two test sessions on one machine do not hand out the same pod address."""
    return f"127.{random.randint(20, 250)}.{random.randint(0, 255)}"


def make_node(spec: NodeSpec) -> dict[str, Any]:
    """The Node object for a fake node: kwok manages it and keeps it Ready."""
    resources = {"cpu": spec.cpu, "memory": spec.memory, "pods": spec.pods}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "annotations": {FAKE_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": spec.name,
            },
        },
        "status": {
            "allocatable": resources,
            "capacity": resources,
            "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux"},
        },
    }


def make_kubeconfig(
    server: str, ca_file: Path, user: str, token: str, namespace: str = "default"
) -> dict[str, Any]:
    """A kubeconfig with one cluster, one token user and one context selecting both."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "tre-test",
                "cluster": {"server": server, "certificate-authority": str(ca_file)},
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": user, "context": {"cluster": "tre-test", "user": user, "namespace": namespace}}
        ],
        "current-context": user,
    }


def write_kubeconfig(path: Path, config: dict[str, Any]) -> Path:
    """Write a kubeconfig readable only by its owner (it holds a bearer token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@dataclass
class ControlPlane:
    """A running control plane. Stop it with :meth:`stop` (reverse order of start)."""

    workdir: Path
    binaries: Binaries
    api_url: str
    ca_file: Path
    admin_token: str
    kubeconfig: Path
    pod_subnet: str
    nodes: list[str]
    kubelet: KubeletIdentity | None = None
    processes: ProcessGroup = field(default_factory=ProcessGroup)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds from the start to each milestone: etcd, apiserver, ready."""

    def http(self, token: str | None = None, timeout: float = 10.0) -> httpx.Client:
        """An HTTP client for the API server that trusts its certificate."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        return httpx.Client(base_url=self.api_url, verify=context, headers=headers, timeout=timeout)

    def service_account_token(self, namespace: str, name: str, seconds: int = 3600) -> str:
        """A real, signed token for a ServiceAccount, through the TokenRequest API."""
        body = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": seconds},
        }
        with self.http() as client:
            response = client.post(
                f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", json=body
            )
        if response.status_code != 201:
            raise RuntimeError(
                f"could not get a token for ServiceAccount {namespace}/{name}: "
                f"HTTP {response.status_code} {response.text[:300]}"
            )
        token: str = response.json()["status"]["token"]
        return token

    @property
    def kubelet_client_ca(self) -> Path:
        """The CA of the certificate the API server presents to kubelets (logs, exec)."""
        return self.workdir / "pki" / "kubelet-client-ca.crt"

    def kubeconfig_for(self, namespace: str, service_account: str, path: Path) -> Path:
        """Write a kubeconfig that authenticates as the ServiceAccount (default namespace: its own)."""
        token = self.service_account_token(namespace, service_account)
        user = f"system:serviceaccount:{namespace}:{service_account}"
        return write_kubeconfig(
            path, make_kubeconfig(self.api_url, self.ca_file, user, token, namespace)
        )

    def stop(self) -> None:
        """Stop kwok, the scheduler, the controller manager, the API server and etcd, in that order."""
        self.processes.stop_all()


def start_control_plane(
    workdir: Path,
    nodes: int = 1,
    pod_subnet: str | None = None,
    timeout: float = 120.0,
    kubelet: KubeletIdentity | None = None,
) -> ControlPlane:
    """Start etcd, the API server, the controllers, the scheduler and kwok, create the fake
    nodes and return once the nodes are Ready and the controllers work. With ``nodes=0``
    kwok is not started; with ``kubelet`` the control plane accepts that real node."""
    if kubelet is not None and nodes:
        # The controller manager allocates the kubelet's range to every node it sees.
        raise ValueError("a control plane runs either kwok's fake nodes or a real kubelet")
    binaries = find_binaries()
    begun = time.monotonic()
    subnet = pod_subnet or random_pod_subnet()
    pki = workdir / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs"
    sa_key = _write_service_account_key(pki / "sa.key")
    token = secrets.token_urlsafe(32)
    tokens = workdir / "tokens.csv"
    tokens.touch(mode=0o600)
    lines = [f'{token},{ADMIN_USER},{ADMIN_USER},"system:masters"']
    if kubelet is not None:
        node_user = f"system:node:{kubelet.name}"
        lines.append(f'{kubelet.token},{node_user},{node_user},"system:nodes"')
    tokens.write_text("\n".join(lines) + "\n")
    api_port = free_port()
    api_url = f"https://127.0.0.1:{api_port}"
    ca_file = pki / "ca.crt"
    plane = ControlPlane(
        workdir=workdir,
        binaries=binaries,
        api_url=api_url,
        ca_file=ca_file,
        admin_token=token,
        kubeconfig=workdir / "admin.kubeconfig",
        pod_subnet=subnet,
        nodes=[f"kwok-node-{index}" for index in range(nodes)],
        kubelet=kubelet,
    )
    try:
        etcd_url = _start_etcd(plane, logs, timeout)
        plane.timings["etcd"] = time.monotonic() - begun
        _start_apiserver(plane, logs, etcd_url, api_port, tokens, sa_key, timeout)
        plane.timings["apiserver"] = time.monotonic() - begun
        write_kubeconfig(plane.kubeconfig, make_kubeconfig(api_url, ca_file, ADMIN_USER, token))
        _start_controllers(plane, logs, sa_key)
        _create_nodes(plane)
        _wait_until_working(plane, timeout)
    except BaseException:
        plane.stop()
        raise
    plane.timings["ready"] = time.monotonic() - begun
    log.info("control plane at %s ready: %s", api_url, _format_timings(plane.timings))
    return plane


def _write_service_account_key(path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return path


def _start_etcd(plane: ControlPlane, logs: Path, timeout: float) -> str:
    client_port, peer_port = free_port(), free_port()
    client, peer = f"http://127.0.0.1:{client_port}", f"http://127.0.0.1:{peer_port}"
    etcd = plane.processes.add(
        ManagedProcess(
            "etcd",
            [
                str(plane.binaries.path("etcd")),
                f"--data-dir={plane.workdir / 'etcd'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=default={peer}",
                "--unsafe-no-fsync=true",
                "--log-level=error",
            ],
            logs / "etcd.log",
            die_with_parent=True,
        )
    )
    etcd.start().wait_ready(
        lambda: port_open("127.0.0.1", client_port), timeout, "accepting clients"
    )
    return client


def _start_apiserver(
    plane: ControlPlane,
    logs: Path,
    etcd_url: str,
    port: int,
    tokens: Path,
    sa_key: Path,
    timeout: float,
) -> None:
    apiserver = plane.processes.add(
        ManagedProcess(
            "kube-apiserver",
            [
                str(plane.binaries.path("kube-apiserver")),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                # Required: otherwise the API server refuses an advertise address in 127.0.0.0/8.
                "--endpoint-reconciler-type=none",
                f"--cert-dir={plane.ca_file.parent}",
                f"--token-auth-file={tokens}",
                "--authorization-mode=Node,RBAC",
                f"--service-account-issuer={plane.api_url}",
                f"--service-account-key-file={sa_key}",
                f"--service-account-signing-key-file={sa_key}",
                # Room for the Services of a few hundred projects (three each), as the scale
                # benchmark creates; a /24 runs out after about eighty.
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                # Privileged pods pass validation, so that PodSecurity admission is what rejects them.
                "--allow-privileged=true",
                "--profiling=false",
                "--max-requests-inflight=800",
                "--max-mutating-requests-inflight=400",
                # Logs and exec reach a real kubelet by its address; its name is not in DNS.
                "--kubelet-preferred-address-types=InternalIP",
                *_kubelet_client_flags(plane),
            ],
            logs / "kube-apiserver.log",
            die_with_parent=True,
        )
    )
    apiserver.start()

    def ready() -> bool:
        if not plane.ca_file.is_file() and not _extract_ca(
            plane.ca_file.parent / "apiserver.crt", plane.ca_file
        ):
            return False
        with plane.http(timeout=2.0) as client:
            return client.get("/readyz").status_code == 200

    apiserver.wait_ready(ready, timeout, "ready (/readyz)")


def _kubelet_client_flags(plane: ControlPlane) -> list[str]:
    """A client certificate for the API server's calls to a real kubelet (logs, exec,
    port-forward), from a CA the kubelet trusts; the kubelet asks the API server whether
    that identity (group ``system:masters``) may, like any other client."""
    if plane.kubelet is None:
        return []
    pki = plane.workdir / "pki"
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)

    def name(common: str, organisation: str | None = None) -> x509.Name:
        parts = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
        if organisation:
            parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
        return x509.Name(parts)

    ca_name = name("tre-test-kubelet-client-ca")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    client = (
        x509.CertificateBuilder()
        .subject_name(name("kube-apiserver-kubelet-client", "system:masters"))
        .issuer_name(ca_name)
        .public_key(client_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    plane.kubelet_client_ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = pki / "kubelet-client.crt", pki / "kubelet-client.key"
    cert_file.write_bytes(client.public_bytes(serialization.Encoding.PEM))
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return [f"--kubelet-client-certificate={cert_file}", f"--kubelet-client-key={key_file}"]


def _extract_ca(chain: Path, out: Path) -> bool:
    """Keep only the CA of the chain the API server writes (its serving certificate and the
    self-signed CA that issued it). Clients trust the CA; the controller manager publishes
    it, and refuses a bundle whose first entry is not a CA."""
    if not chain.is_file():
        return False
    certificates = x509.load_pem_x509_certificates(chain.read_bytes())
    authorities = [
        c
        for c in certificates
        if c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ]
    if not authorities:
        return False
    out.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in authorities))
    return True


def _start_controllers(plane: ControlPlane, logs: Path, sa_key: Path) -> None:
    kubeconfig = str(plane.kubeconfig)
    common = [
        f"--kubeconfig={kubeconfig}",
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        "--secure-port=0",
    ]
    fast_client = ["--kube-api-qps=200", "--kube-api-burst=400"]
    node_ipam = ["--controllers=*,-node-ipam-controller"]
    if plane.kubelet is not None:
        node_ipam = [
            "--allocate-node-cidrs=true",
            f"--cluster-cidr={plane.kubelet.pod_cidr}",
            f"--node-cidr-mask-size={plane.kubelet.pod_cidr.rsplit('/', 1)[1]}",
        ]
    plane.processes.add(
        ManagedProcess(
            "kube-controller-manager",
            [
                str(plane.binaries.path("kube-controller-manager")),
                *common,
                *fast_client,
                f"--service-account-private-key-file={sa_key}",
                f"--root-ca-file={plane.ca_file}",
                "--use-service-account-credentials=true",
                *node_ipam,
                "--concurrent-namespace-syncs=20",
                "--concurrent-gc-syncs=40",
            ],
            logs / "kube-controller-manager.log",
            die_with_parent=True,
        )
    ).start()
    plane.processes.add(
        ManagedProcess(
            "kube-scheduler",
            [str(plane.binaries.path("kube-scheduler")), *common],
            logs / "kube-scheduler.log",
            die_with_parent=True,
        )
    ).start()
    if not plane.nodes:
        return
    plane.processes.add(
        ManagedProcess(
            "kwok",
            [
                str(plane.binaries.path("kwok")),
                f"--kubeconfig={kubeconfig}",
                # Only the fake nodes: a real kubelet's node is its own.
                f"--manage-nodes-with-annotation-selector={FAKE_NODE_ANNOTATION}=fake",
                f"--cidr={plane.pod_subnet}.1/24",
                f"--node-ip={plane.pod_subnet}.1",
                # Without an explicit address kwok may serve health and metrics on every interface.
                f"--server-address=127.0.0.1:{free_port()}",
                f"--config={plane.binaries.stages}",
                # The heartbeat stage renews node leases only when kwok holds them; without
                # leases the node goes NotReady after the grace period and its pods with it.
                "--node-lease-duration-seconds=40",
            ],
            logs / "kwok.log",
            die_with_parent=True,
        )
    ).start()


def _create_nodes(plane: ControlPlane) -> None:
    with plane.http() as client:
        for name in plane.nodes:
            response = client.post("/api/v1/nodes", json=make_node(NodeSpec(name=name)))
            if response.status_code not in (201, 409):
                raise ServiceStartError(
                    f"could not create fake node {name}: HTTP {response.status_code} {response.text[:300]}"
                )


def _wait_until_working(plane: ControlPlane, timeout: float) -> None:
    """Ready means: every fake node Ready (kwok works) and the ``default`` ServiceAccount
    of the ``default`` namespace exists (the controller manager works)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in plane.processes.processes:
            if not process.running():
                raise ServiceStartError(
                    f"{process.name} exited before the control plane was ready.\n"
                    f"Last lines of {process.log_path}:\n{tail(process.log_path)}"
                )
        with plane.http(timeout=2.0) as client:
            nodes = client.get("/api/v1/nodes").json()["items"]
            account = client.get("/api/v1/namespaces/default/serviceaccounts/default")
        ready = {node["metadata"]["name"] for node in nodes if _node_ready(node)}
        if ready >= set(plane.nodes) and account.status_code == 200:
            return
        time.sleep(0.1)
    logs = "\n".join(f"  {p.name}: {p.log_path}" for p in plane.processes.processes)
    raise ServiceStartError(
        f"the fake nodes were not Ready, or the controller manager had not created the default "
        f"ServiceAccount, within {timeout:.0f} s. Logs:\n{logs}"
    )


def _node_ready(node: dict[str, Any]) -> bool:
    conditions = node.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _format_timings(timings: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
