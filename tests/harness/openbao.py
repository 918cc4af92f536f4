"""Harness fixtures: OpenBao in dev mode (``openbao``) and raft-backed (``openbao_persistent_factory``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from orchestrator.embedded.openbao import OpenBaoDev, OpenBaoPersistent


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBaoDev]:
    """A dev-mode OpenBao for the whole session: ``.url``, ``.root_token``, ``.client()``."""
    server = OpenBaoDev(log_dir=tmp_path_factory.mktemp("openbao-dev"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def openbao_persistent_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], OpenBaoPersistent]]:
    """Start raft-backed, auto-unsealing OpenBao servers; each survives ``.restart()``."""
    started: list[OpenBaoPersistent] = []

    def make() -> OpenBaoPersistent:
        server = OpenBaoPersistent(state_dir=tmp_path_factory.mktemp("openbao-raft"))
        started.append(server)
        return server.start()

    try:
        yield make
    finally:
        for server in reversed(started):
            server.stop()
