"""A service that cannot start fails with its name, the reason and the tail of its log."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.embedded.openbao import OpenBaoDev
from orchestrator.embedded.processes import ServiceStartError, free_port
from orchestrator.embedded.seaweedfs import PORT_NAMES, SeaweedFS


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_openbao_on_a_taken_port_fails_with_its_log(tmp_path: Path, taken_port: int) -> None:
    server = OpenBaoDev(log_dir=tmp_path, port=taken_port)
    with pytest.raises(ServiceStartError) as failed:
        server.start()
    message = str(failed.value)
    assert message.startswith("openbao (dev) exited with status")
    assert "address already in use" in message
    assert not server.process or not server.process.running()


def test_seaweedfs_on_a_taken_port_fails_with_its_log(tmp_path: Path, taken_port: int) -> None:
    ports = {name: free_port() for name in PORT_NAMES}
    ports["master"] = taken_port
    store = SeaweedFS(state_dir=tmp_path / "weed", ports=ports)
    with pytest.raises(ServiceStartError) as failed:
        store.start()
    message = str(failed.value)
    assert message.startswith("seaweedfs (weed mini) exited with status")
    assert str(taken_port) in message
    assert f"Last lines of {tmp_path / 'weed' / 'seaweedfs.log'}" in message
    assert not store.process or not store.process.running()
