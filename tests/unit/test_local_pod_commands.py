"""How the pod runner turns a Running pod into a local process, and the fake-node and
kubeconfig builders of the test control plane."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from orchestrator.embedded.jupyterhub import HubLayout, make_hub_settings
from orchestrator.embedded.kubernetes import NodeSpec, make_kubeconfig, make_node
from orchestrator.embedded.pod_runner import PodCommandError, make_local_command, rebind

NOBODY = (65534, 65534)
BIN = Path("/opt/su/bin")


def spawned_pod(**container: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "jupyter-alice", "namespace": "p1", "uid": "u-1"},
        "spec": {
            "nodeName": "kwok-node-0",
            "securityContext": {"runAsUser": 1000},
            "containers": [
                {"name": "sidecar", "image": "x", "command": ["sleep"]},
                {
                    "name": "notebook",
                    "image": "x",
                    "command": ["jupyterhub-singleuser"],
                    "env": [
                        {
                            "name": "JUPYTERHUB_SERVICE_URL",
                            "value": "http://0.0.0.0:8888/user/alice/",
                        },
                        {"name": "JUPYTERHUB_USER", "value": "alice"},
                        {"name": "MY_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
                    ],
                    **container,
                },
            ],
        },
        "status": {"phase": "Running", "podIP": "127.31.4.7"},
    }


def no_lookup(kind: str, namespace: str, name: str, key: str) -> str:
    return f"{kind}/{namespace}/{name}/{key}"


def test_the_server_binds_to_the_pod_address_with_the_pod_environment() -> None:
    command = make_local_command(
        spawned_pod(args=["--ip=0.0.0.0", "--debug"]), no_lookup, BIN, NOBODY
    )

    assert command.argv == ["jupyterhub-singleuser", "--ip=127.31.4.7", "--debug"]
    assert command.env == {
        "JUPYTERHUB_SERVICE_URL": "http://127.31.4.7:8888/user/alice/",
        "JUPYTERHUB_USER": "alice",
        "MY_IP": "127.31.4.7",
        "TOKEN": "secrets/p1/s/k",
        "PATH": "/opt/su/bin:/usr/local/bin:/usr/bin:/bin",
        "USER": "alice",
        "LOGNAME": "alice",
    }
    assert (command.uid, command.gid) == (1000, 65534)


def test_a_pod_asking_for_root_runs_as_the_unprivileged_fallback() -> None:
    pod = spawned_pod(securityContext={"runAsUser": 0, "runAsGroup": 0})
    command = make_local_command(pod, no_lookup, BIN, NOBODY)
    assert (command.uid, command.gid) == NOBODY


def test_a_pod_without_a_command_is_refused_with_the_fix() -> None:
    pod = spawned_pod(command=None)
    with pytest.raises(PodCommandError, match=r"set KubeSpawner\.cmd"):
        make_local_command(pod, no_lookup, BIN, NOBODY)


def test_an_unsupported_field_reference_is_refused() -> None:
    pod = spawned_pod(
        env=[{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['a']"}}}]
    )
    with pytest.raises(PodCommandError, match="not supported locally"):
        make_local_command(pod, no_lookup, BIN, NOBODY)


def test_rebind_keeps_port_and_path() -> None:
    assert rebind("http://0.0.0.0:8888/user/a/", "127.9.9.2") == "http://127.9.9.2:8888/user/a/"
    assert rebind("http://[::]/x", "127.9.9.2") == "http://127.9.9.2/x"


def test_fake_node_is_managed_by_kwok_with_generous_capacity() -> None:
    node = make_node(NodeSpec(name="kwok-node-0"))
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
    assert node["status"]["allocatable"] == {"cpu": "64", "memory": "256Gi", "pods": "1000"}
    assert node["status"]["capacity"] == node["status"]["allocatable"]
    assert "taints" not in node.get("spec", {})


def test_kubeconfig_selects_its_only_cluster_and_user() -> None:
    config = make_kubeconfig("https://127.0.0.1:6443", Path("/pki/ca.crt"), "sa", "tok", "p1")
    assert config == {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "tre-test",
                "cluster": {
                    "server": "https://127.0.0.1:6443",
                    "certificate-authority": "/pki/ca.crt",
                },
            }
        ],
        "users": [{"name": "sa", "user": {"token": "tok"}}],
        "contexts": [
            {"name": "sa", "context": {"cluster": "tre-test", "user": "sa", "namespace": "p1"}}
        ],
        "current-context": "sa",
    }


def hub_settings(config: str) -> Any:
    layout = HubLayout(
        workdir=Path("/w"),
        port=1,
        hub_port=2,
        proxy_api_port=3,
        proxy_command=Path("/chp"),
        api_token="t0k",
    )
    c = Config()
    exec(config + make_hub_settings(layout), {"c": c})  # the way JupyterHub loads it
    return c


def test_local_hub_settings_win_over_the_project_configuration() -> None:
    c = hub_settings(
        'c.JupyterHub.bind_url = "http://0.0.0.0:8000"\nc.JupyterHub.hub_connect_url = "http://hub:8081"'
    )
    assert c.JupyterHub.bind_url == "http://127.0.0.1:1"
    assert c.JupyterHub.hub_bind_url == "http://127.0.0.1:2"
    assert c.JupyterHub.hub_connect_url == "http://127.0.0.1:2"
    assert c.ConfigurableHTTPProxy.command == ["/chp"]
    assert c.JupyterHub.services == [{"name": "tre-harness", "api_token": "t0k"}]
    assert c.JupyterHub.load_roles == [{"name": "admin", "services": ["tre-harness"]}]


def test_the_admin_service_joins_the_services_and_admin_role_a_configuration_declares() -> None:
    c = hub_settings(
        'c.JupyterHub.services = [{"name": "airlock", "url": "http://127.0.0.1:9"}]\n'
        'c.JupyterHub.load_roles = [{"name": "admin", "users": ["otto"]}, {"name": "r", "scopes": ["read:users"]}]'
    )
    assert [s["name"] for s in c.JupyterHub.services] == ["airlock", "tre-harness"]
    assert c.JupyterHub.load_roles == [
        {"name": "admin", "users": ["otto"], "services": ["tre-harness"]},
        {"name": "r", "scopes": ["read:users"]},
    ]
