"""The embedded hub's configuration: hub local, proxy on the veth, notebooks sealed and unprivileged."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.embedded.enclave import check_notebook_users, make_user_ids, network_name
from orchestrator.embedded.enclave_hub import HubSpec, make_hub_config

SPEC = HubSpec(
    state_dir=Path("/srv/tre/jupyterhub"),
    proxy_ip="10.213.0.5",
    proxy_port=8000,
    hub_port=8081,
    proxy_api_port=8001,
    proxy_command="/opt/chp/configurable-http-proxy",
    namespace="tre-e1",
    singleuser_bin="/opt/su/bin/jupyterhub-singleuser",
    singleuser_ip="10.213.0.6",
    user_ids=(("alice", 61001), ("ben", 61002)),
)


def _settings(config: str) -> list[str]:
    return [line for line in config.splitlines() if line.startswith("c.")]


def test_hub_listens_locally_and_only_the_proxy_faces_the_enclave() -> None:
    settings = _settings(make_hub_config(SPEC))
    assert "c.JupyterHub.bind_url = 'http://10.213.0.5:8000'" in settings
    assert "c.JupyterHub.hub_bind_url = 'http://127.0.0.1:8081'" in settings
    assert "c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:8001'" in settings
    assert "c.Spawner.hub_connect_url = 'http://10.213.0.5:8000'" in settings
    assert "c.Spawner.ip = '10.213.0.6'" in settings
    assert not any("hub_connect_url" in s and "JupyterHub" in s for s in settings)


def test_secrets_come_from_the_environment_not_the_file() -> None:
    config = make_hub_config(SPEC)
    assert "os.environ['TRE_HUB_PROXY_TOKEN']" in config
    assert "os.environ['TRE_HUB_PASSWORD']" in config
    assert "os.environ['TRE_HUB_SERVICE_TOKEN']" in config


def test_each_notebook_enters_the_namespace_as_its_own_unprivileged_uid() -> None:
    config = make_hub_config(SPEC)
    assert "NOTEBOOK_UIDS = {'alice': 61001, 'ben': 61002}" in config
    assert "c.Authenticator.allowed_users = set(['alice', 'ben'])" in config
    assert "'ip', 'netns', 'exec', 'tre-e1'," in config
    assert (
        "'setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups', '--no-new-privs', '--',"
        in config
    )
    compile(config, "jupyterhub_config.py", "exec")


def test_user_ids_are_distinct_and_unprivileged() -> None:
    assert make_user_ids(("alice", "ben", "carol")) == (
        ("alice", 61001),
        ("ben", 61002),
        ("carol", 61003),
    )


def test_network_name_is_short_and_stable_per_folder(tmp_path: Path) -> None:
    name = network_name(tmp_path)
    assert name == network_name(tmp_path)
    assert name != network_name(tmp_path / "other")
    assert len(name) == 7


@pytest.mark.parametrize(
    ("users", "message"),
    [
        ((), "at least one"),
        (("Alice",), "lower-case"),
        (("a b",), "lower-case"),
        (("x'); import os #",), "lower-case"),
        (("ann", "ann"), "distinct"),
    ],
)
def test_bad_notebook_users_are_refused_with_a_reason(users: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_notebook_users(users)
