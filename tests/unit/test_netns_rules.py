"""The enclave namespace's commands and firewall rules, checked by value."""

from __future__ import annotations

import pytest

from orchestrator.embedded.netns import (
    EnclaveNetwork,
    make_exec_argv,
    make_nft_ruleset,
    make_setup_commands,
    make_teardown_commands,
    used_ipv4_subnet_indexes,
)

NET = EnclaveNetwork(name="demo", index=5, allowed_ports=(8000, 8080))


def test_addresses_come_from_our_private_pools() -> None:
    assert (NET.host_ipv4, NET.ns_ipv4) == ("10.213.0.21", "10.213.0.22")
    assert (NET.host_ipv6, NET.ns_ipv6) == ("fd74:7265:5::1", "fd74:7265:5::2")
    assert (NET.namespace, NET.host_veth, NET.ns_veth) == ("tre-demo", "tredemoh", "tredemon")


def test_ruleset_accepts_only_the_allowed_ports_from_the_veth() -> None:
    assert make_nft_ruleset(NET) == (
        "table inet tre_enclave_demo {\n"
        "  chain input {\n"
        "    type filter hook input priority filter - 10; policy accept;\n"
        '    iifname != { "lo", "tredemoh" } ip daddr 10.213.0.21 drop\n'
        '    iifname != { "lo", "tredemoh" } ip6 daddr fd74:7265:5::1 drop\n'
        '    iifname "tredemoh" ct state established,related accept\n'
        '    iifname "tredemoh" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n'
        '    iifname "tredemoh" ip daddr 10.213.0.21 tcp dport { 8000, 8080 } ct state new accept\n'
        '    iifname "tredemoh" ip6 daddr fd74:7265:5::1 tcp dport { 8000, 8080 } ct state new accept\n'
        '    iifname "tredemoh" drop\n'
        "  }\n"
        "  chain forward {\n"
        "    type filter hook forward priority filter - 10; policy accept;\n"
        '    iifname "tredemoh" drop\n'
        '    oifname "tredemoh" drop\n'
        "  }\n"
        "}\n"
    )


def test_setup_gives_the_namespace_no_default_route() -> None:
    commands = make_setup_commands(NET)
    assert commands[0] == ["ip", "netns", "add", "tre-demo"]
    assert [
        "ip",
        "netns",
        "exec",
        "tre-demo",
        "ip",
        "addr",
        "add",
        "10.213.0.22/30",
        "dev",
        "tredemon",
    ] in commands
    assert not any("route" in argv for argv in commands)


def test_teardown_removes_rules_link_and_namespace() -> None:
    assert make_teardown_commands(NET) == [
        ["nft", "delete", "table", "inet", "tre_enclave_demo"],
        ["ip", "link", "delete", "tredemoh"],
        ["ip", "netns", "delete", "tre-demo"],
    ]


def test_exec_drops_privileges_when_asked() -> None:
    assert make_exec_argv(NET, ["id"], uid=65534, gid=65534) == [
        "ip", "netns", "exec", "tre-demo",
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "id",
    ]  # fmt: skip
    assert make_exec_argv(NET, ["id"]) == ["ip", "netns", "exec", "tre-demo", "id"]


def test_subnets_in_use_are_found_in_ip_addr_output() -> None:
    output = (
        "1: lo    inet 127.0.0.1/8 scope host lo\n"
        "7: tredemoh    inet 10.213.0.21/30 scope global tredemoh\n"
        "9: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\n"
    )
    assert used_ipv4_subnet_indexes(output) == {5}


@pytest.mark.parametrize(
    ("name", "index", "ports", "message"),
    [
        ("Bad", 1, (80,), "lower-case"),
        ("waytoolongname", 1, (80,), "lower-case"),
        ("ok", 1, (), "allowed ports"),
        ("ok", 1, (70000,), "allowed ports"),
        ("ok", 16384, (80,), "outside"),
    ],
)
def test_invalid_networks_are_refused(
    name: str, index: int, ports: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        EnclaveNetwork(name=name, index=index, allowed_ports=ports)
