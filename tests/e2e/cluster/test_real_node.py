"""A pod from an image built on this machine runs as a real container on the real node."""

from __future__ import annotations

from tests.harness.node import RealNode


def test_a_locally_built_image_runs_and_its_logs_are_readable(real_node: RealNode) -> None:
    namespace = real_node.namespace("smoke")
    output = real_node.run(namespace, "hello", "echo hello from $(id -u) on $(hostname)")
    assert output == "hello from 65534 on hello\n"
    pod = real_node.pod(namespace, "hello")
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["spec"]["nodeName"] == real_node.node.name
    assert pod["status"]["containerStatuses"][0]["image"] == real_node.image("test")


def test_a_long_running_pod_gets_an_address_in_the_nodes_range(real_node: RealNode) -> None:
    namespace = real_node.namespace("smoke")
    real_node.create(real_node.test_pod(namespace, "sleeper", "sleep 600", restart="Always"))
    real_node.wait_phase(namespace, "sleeper", {"Running"})
    prefix = real_node.address.rsplit(".", 1)[0] + "."
    ip = real_node.pod_ip(namespace, "sleeper")
    assert ip.startswith(prefix)
    assert ip != real_node.address


def test_the_teardown_check_sees_what_a_running_node_has_made(real_node: RealNode) -> None:
    """The session's teardown asserts ``leftovers()`` is empty; while the node runs it lists
    the bridge, the cgroups, the mounts and kube-router's chains, so that check can fail."""
    found = real_node.node.leftovers()
    assert f"bridge {real_node.node.bridge}" in found
    assert f"/sys/fs/cgroup/pids/{real_node.node.cgroup}" in found
    assert "iptables chain KUBE-ROUTER-FORWARD" in found
    assert any(item.startswith("mount ") for item in found)
    assert any(item.startswith("process kubelet") for item in found)
