"""A sealed network namespace for notebook servers on one machine (the embedded enclave).

The namespace is joined to the host by one veth pair with private addresses (IPv4 /30
and an IPv6 ULA /64) and has *no default route*, so nothing outside is routable from
inside. A namespace alone is not a wall, though: it still reaches every host service
bound to ``0.0.0.0`` or ``::`` through the veth. So an nftables table on the host drops
everything that arrives from the veth except new TCP connections to the allowed ports
(the hub proxy and the airlock API), replies to connections the host opened, and the
IPv6 neighbour discovery the link needs; the forward chain drops anything crossing it.
Services listening on the host end of the veth are reachable from this machine and
the namespace only: packets for those addresses arriving on any other interface are
dropped too.

The builders below are pure (they return command lines and rule text, tested by value);
:class:`NamespaceRunner` applies them and must run as root.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

IPV4_POOL = ipaddress.IPv4Network("10.213.0.0/16")
IPV6_PREFIX = "fd74:7265"  # a ULA /32 of our own ("tre")
_NAME = re.compile(r"^[a-z][a-z0-9]{0,9}$")


class NamespaceError(RuntimeError):
    """The namespace could not be set up or torn down; the message names the step."""


@dataclass(frozen=True)
class EnclaveNetwork:
    """One sealed namespace: its name, veth names, addresses and the ports it may reach."""

    name: str
    index: int
    allowed_ports: tuple[int, ...]

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(
                f"namespace name {self.name!r} must be 1-10 lower-case letters or digits, "
                "starting with a letter (interface names are limited to 15 characters)"
            )
        if not 0 <= self.index < IPV4_POOL.num_addresses // 4:
            raise ValueError(f"subnet index {self.index} is outside {IPV4_POOL}")
        if not self.allowed_ports or not all(0 < p < 65536 for p in self.allowed_ports):
            raise ValueError(f"allowed ports must be 1-65535, got {self.allowed_ports!r}")

    @property
    def namespace(self) -> str:
        return f"tre-{self.name}"

    @property
    def host_veth(self) -> str:
        return f"tre{self.name}h"

    @property
    def ns_veth(self) -> str:
        return f"tre{self.name}n"

    @property
    def table(self) -> str:
        return f"tre_enclave_{self.name}"

    @property
    def _subnet(self) -> ipaddress.IPv4Network:
        base = int(IPV4_POOL.network_address) + 4 * self.index
        return ipaddress.IPv4Network((base, 30))

    @property
    def host_ipv4(self) -> str:
        return str(self._subnet.network_address + 1)

    @property
    def ns_ipv4(self) -> str:
        return str(self._subnet.network_address + 2)

    @property
    def host_ipv6(self) -> str:
        return f"{IPV6_PREFIX}:{self.index:x}::1"

    @property
    def ns_ipv6(self) -> str:
        return f"{IPV6_PREFIX}:{self.index:x}::2"


def make_setup_commands(net: EnclaveNetwork) -> list[list[str]]:
    """``ip`` commands creating the namespace and its veth link; no default route inside."""
    inside = ["ip", "netns", "exec", net.namespace]
    return [
        ["ip", "netns", "add", net.namespace],
        ["ip", "link", "add", net.host_veth, "type", "veth", "peer", "name", net.ns_veth],
        ["ip", "link", "set", net.ns_veth, "netns", net.namespace],
        ["ip", "addr", "add", f"{net.host_ipv4}/30", "dev", net.host_veth],
        ["ip", "-6", "addr", "add", f"{net.host_ipv6}/64", "dev", net.host_veth, "nodad"],
        ["ip", "link", "set", net.host_veth, "up"],
        [*inside, "ip", "link", "set", "lo", "up"],
        [*inside, "ip", "addr", "add", f"{net.ns_ipv4}/30", "dev", net.ns_veth],
        [*inside, "ip", "-6", "addr", "add", f"{net.ns_ipv6}/64", "dev", net.ns_veth, "nodad"],
        [*inside, "ip", "link", "set", net.ns_veth, "up"],
    ]


def make_teardown_commands(net: EnclaveNetwork) -> list[list[str]]:
    """Commands removing the rules and the namespace (the veth pair goes with it)."""
    return [
        ["nft", "delete", "table", "inet", net.table],
        ["ip", "link", "delete", net.host_veth],
        ["ip", "netns", "delete", net.namespace],
    ]


def make_nft_ruleset(net: EnclaveNetwork) -> str:
    """The nftables table sealing the namespace, for IPv4 and IPv6 (family ``inet``)."""
    ports = ", ".join(str(p) for p in sorted(set(net.allowed_ports)))
    veth = f'iifname "{net.host_veth}"'
    return (
        f"table inet {net.table} {{\n"
        "  chain input {\n"
        "    type filter hook input priority filter - 10; policy accept;\n"
        f'    iifname != {{ "lo", "{net.host_veth}" }} ip daddr {net.host_ipv4} drop\n'
        f'    iifname != {{ "lo", "{net.host_veth}" }} ip6 daddr {net.host_ipv6} drop\n'
        f"    {veth} ct state established,related accept\n"
        f"    {veth} icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept\n"
        f"    {veth} ip daddr {net.host_ipv4} tcp dport {{ {ports} }} ct state new accept\n"
        f"    {veth} ip6 daddr {net.host_ipv6} tcp dport {{ {ports} }} ct state new accept\n"
        f"    {veth} drop\n"
        "  }\n"
        "  chain forward {\n"
        "    type filter hook forward priority filter - 10; policy accept;\n"
        f"    {veth} drop\n"
        f'    oifname "{net.host_veth}" drop\n'
        "  }\n"
        "}\n"
    )


def used_ipv4_subnet_indexes(ip_addr_output: str) -> set[int]:
    """Indexes of our /30 subnets already present in ``ip -4 -o addr`` output."""
    used: set[int] = set()
    for match in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+)/", ip_addr_output):
        address = ipaddress.IPv4Address(match.group(1))
        if address in IPV4_POOL:
            used.add((int(address) - int(IPV4_POOL.network_address)) // 4)
    return used


def _run(argv: Sequence[str], stdin: str | None = None, check: bool = True) -> str:
    result = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise NamespaceError(
            f"`{' '.join(argv)}` failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result.stdout


class NamespaceRunner:
    """Applies the builders above with ``ip`` and ``nft`` (root only)."""

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise NamespaceError(
                "the enclave network needs root (network namespaces and nftables rules); "
                "run it as root, e.g. `sudo make up` or `sudo .venv/bin/tre up`"
            )

    def free_index(self) -> int:
        """A subnet index no interface on this host uses yet."""
        used = used_ipv4_subnet_indexes(_run(["ip", "-4", "-o", "addr", "show"]))
        for index in range(1, IPV4_POOL.num_addresses // 4):
            if index not in used:
                return index
        raise NamespaceError(f"every /30 subnet of {IPV4_POOL} is in use")

    def up(self, net: EnclaveNetwork) -> None:
        """Create the namespace and its rules; on any failure remove what was made."""
        self.down(net)
        try:
            _run(["nft", "-f", "-"], stdin=make_nft_ruleset(net))
            for argv in make_setup_commands(net):
                _run(argv)
        except NamespaceError:
            self.down(net)
            raise
        log.info("enclave network %s up (%s <-> %s)", net.namespace, net.host_ipv4, net.ns_ipv4)

    def down(self, net: EnclaveNetwork) -> None:
        """Kill what still runs inside, then remove the rules and the namespace.

        Parts that are already gone are skipped. A process left inside a deleted
        namespace would live on unreachable, so none is left.
        """
        for pid in _run(["ip", "netns", "pids", net.namespace], check=False).split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        for argv in make_teardown_commands(net):
            _run(argv, check=False)


def make_exec_argv(
    net: EnclaveNetwork, argv: Sequence[str], uid: int | None = None, gid: int | None = None
) -> list[str]:
    """The command line running ``argv`` inside the namespace, as ``uid``/``gid`` if given."""
    prefix = ["ip", "netns", "exec", net.namespace]
    if uid is not None:
        prefix += ["setpriv", f"--reuid={uid}", f"--regid={gid if gid is not None else uid}"]
        prefix += ["--clear-groups", "--"]
    return [*prefix, *argv]
