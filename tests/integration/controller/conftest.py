"""Fixtures for the project controller's integration tests (see ``platform.py``).

``controller_cluster`` (session) prepares the harness control plane as the chart does;
``start_operator`` runs ``tre operator run`` subprocesses against the session's OpenBao
and SeaweedFS (or a dedicated OpenBao passed in) and stops them when the test ends;
``projects`` creates ResearchProjects and deletes whatever a test leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.kubernetes import Kube
from tests.integration.controller.platform import (
    ControllerCluster,
    OperatorFactory,
    RunningOperator,
    VaultTarget,
    prepare_cluster,
)
from tests.integration.controller.projects import Projects


@pytest.fixture(scope="session")
def controller_cluster(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> ControllerCluster:
    return prepare_cluster(kube, tmp_path_factory.mktemp("controller"))


@pytest.fixture
def start_operator(
    controller_cluster: ControllerCluster,
    openbao: Any,
    s3: Any,
    tmp_path: Path,
) -> Iterator[Callable[..., RunningOperator]]:
    """Start ``tre operator run`` subprocesses; every one is stopped when the test ends."""
    factory = OperatorFactory(
        cluster=controller_cluster,
        vault=VaultTarget(openbao.url, openbao.root_token),
        s3=s3,
        logs=tmp_path / "operator-logs",
    )
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def projects(controller_cluster: ControllerCluster) -> Iterator[Projects]:
    """Create ResearchProjects as an administrator; every one is deleted afterwards."""
    helper = Projects(controller_cluster.kube)
    try:
        yield helper
    finally:
        helper.delete_all()
