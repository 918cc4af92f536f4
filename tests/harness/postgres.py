"""Harness fixture ``postgres``: a throw-away PostgreSQL 15 cluster for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestrator.embedded.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """``.url`` (SQLAlchemy URL of the ``postgres`` database) and ``.create_database(name)``."""
    server = PostgresServer(log_dir=tmp_path_factory.mktemp("postgres"))
    try:
        yield server.start()
    finally:
        server.stop()
