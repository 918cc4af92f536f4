"""The enclave namespace is sealed: only the allowed ports on the host are reachable.

Every probe goes to an address this test created (the host end of the veth) or asks the
routing table without sending anything (``ip route get``). Probes run unprivileged.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from orchestrator.embedded.netns import EnclaveNetwork, NamespaceRunner, make_exec_argv

NOBODY = 65534
PROBE = (
    "import socket, sys\n"
    "host, port = sys.argv[1], int(sys.argv[2])\n"
    "try:\n"
    "    socket.create_connection((host, port), timeout=1.5).close()\n"
    "except OSError as exc:\n"
    "    print(type(exc).__name__); sys.exit(1)\n"
    "print('connected')\n"
)


@contextlib.contextmanager
def _listening(family: socket.AddressFamily, address: str) -> Iterator[int]:
    """A host service bound to every address (the kernel completes handshakes without accept)."""
    with socket.socket(family, socket.SOCK_STREAM) as server:
        if family == socket.AF_INET6:
            server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        server.bind((address, 0))
        server.listen(8)
        yield server.getsockname()[1]


@pytest.fixture
def services() -> Iterator[dict[str, int]]:
    with (
        _listening(socket.AF_INET, "0.0.0.0") as allowed4,
        _listening(socket.AF_INET, "0.0.0.0") as blocked4,
        _listening(socket.AF_INET6, "::") as allowed6,
        _listening(socket.AF_INET6, "::") as blocked6,
    ):
        yield {
            "allowed4": allowed4,
            "blocked4": blocked4,
            "allowed6": allowed6,
            "blocked6": blocked6,
        }


@pytest.fixture
def enclave(services: dict[str, int]) -> Iterator[EnclaveNetwork]:
    runner = NamespaceRunner()
    net = EnclaveNetwork(
        name=f"t{uuid.uuid4().hex[:6]}",
        index=runner.free_index(),
        allowed_ports=(services["allowed4"], services["allowed6"]),
    )
    runner.up(net)
    try:
        yield net
    finally:
        runner.down(net)


def _probe(net: EnclaveNetwork, host: str, port: int) -> str:
    argv = make_exec_argv(
        net, ["/usr/bin/python3", "-c", PROBE, host, str(port)], uid=NOBODY, gid=NOBODY
    )
    result = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    return (result.stdout + result.stderr).strip()


def _host_link_local(net: EnclaveNetwork) -> str:
    out = subprocess.run(
        ["ip", "-6", "-o", "addr", "show", "dev", net.host_veth, "scope", "link"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return out.split("inet6 ", 1)[1].split("/", 1)[0]


def test_allowed_port_is_reachable_over_ipv4_and_ipv6(
    enclave: EnclaveNetwork, services: dict[str, int]
) -> None:
    assert _probe(enclave, enclave.host_ipv4, services["allowed4"]) == "connected"
    assert _probe(enclave, enclave.host_ipv6, services["allowed6"]) == "connected"


def test_other_host_services_are_unreachable(
    enclave: EnclaveNetwork, services: dict[str, int]
) -> None:
    assert _probe(enclave, enclave.host_ipv4, services["blocked4"]) == "TimeoutError"
    assert _probe(enclave, enclave.host_ipv6, services["blocked6"]) == "TimeoutError"


def test_host_link_local_address_is_unreachable(
    enclave: EnclaveNetwork, services: dict[str, int]
) -> None:
    target = f"{_host_link_local(enclave)}%{enclave.ns_veth}"
    assert _probe(enclave, target, services["blocked6"]) == "TimeoutError"
    assert (
        _probe(enclave, target, services["allowed6"]) == "TimeoutError"
    )  # only the ULA address is allowed


def test_nothing_outside_is_routable(enclave: EnclaveNetwork) -> None:
    for target in ("192.0.2.1", "2001:db8::1"):
        result = subprocess.run(
            make_exec_argv(enclave, ["ip", "route", "get", target]),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode != 0
        assert "Network is unreachable" in result.stderr


def test_teardown_leaves_no_namespace_or_rules(services: dict[str, int]) -> None:
    runner = NamespaceRunner()
    net = EnclaveNetwork(
        name=f"t{uuid.uuid4().hex[:6]}",
        index=runner.free_index(),
        allowed_ports=(services["allowed4"],),
    )
    runner.up(net)
    runner.down(net)
    assert (
        net.namespace
        not in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=True
        ).stdout
    )
    tables = subprocess.run(
        ["nft", "list", "tables"], capture_output=True, text=True, check=True
    ).stdout
    assert net.table not in tables


def test_without_the_host_rules_the_namespace_would_reach_the_blocked_service(
    enclave: EnclaveNetwork, services: dict[str, int]
) -> None:
    """Control: the namespace alone is no wall; the nftables table is what blocks."""
    subprocess.run(["nft", "delete", "table", "inet", enclave.table], check=True)
    assert _probe(enclave, enclave.host_ipv4, services["blocked4"]) == "connected"
    assert _probe(enclave, enclave.host_ipv6, services["blocked6"]) == "connected"
