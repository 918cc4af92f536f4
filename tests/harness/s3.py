"""Harness fixture ``s3``: a SeaweedFS S3 gateway with an admin identity, for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestrator.embedded.seaweedfs import SeaweedFS


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """``.endpoint``, ``.url``, ``.access_key``/``.secret_key`` (admin), ``.client()``,
    ``.client_for(access_key, secret_key)`` and ``.identities()`` (users, keys, policies)."""
    store = SeaweedFS(state_dir=tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield store.start()
    finally:
        store.stop()
