"""Harness fixtures: JupyterHub with configurable-http-proxy, and a runner for the
single-user servers of kwok pods.

``jupyterhub_factory(config="", env=None) -> Hub`` starts a hub with the given
``jupyterhub_config.py`` text; every hub it started is stopped at the end of the test.
``pod_runner`` (session) runs, as local unprivileged processes, the single-user servers
of Running pods in the namespaces passed to ``pod_runner.watch(namespace)``; see
:mod:`orchestrator.embedded.pod_runner` for how a pod becomes a process. Launch logic
lives in :mod:`orchestrator.embedded.jupyterhub`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from orchestrator.embedded.jupyterhub import DEFAULT_CONFIG, Hub, find_hub_tools, start_jupyterhub
from orchestrator.embedded.pod_runner import PodRunner
from tests.harness.kubernetes import Kube

HubFactory = Callable[..., Hub]


@pytest.fixture
def jupyterhub_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubFactory]:
    hubs: list[Hub] = []

    def start(config: str = DEFAULT_CONFIG, env: Mapping[str, str] | None = None) -> Hub:
        hub = start_jupyterhub(tmp_path_factory.mktemp("jupyterhub"), config, env)
        hubs.append(hub)
        return hub

    try:
        yield start
    finally:
        for hub in reversed(hubs):
            hub.stop()


@pytest.fixture(scope="session")
def pod_runner(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodRunner]:
    runner = PodRunner(
        plane=kube.plane,
        singleuser_bin=find_hub_tools().singleuser_bin,
        workdir=tmp_path_factory.mktemp("pods"),
    ).start()
    try:
        yield runner
    finally:
        runner.stop()
