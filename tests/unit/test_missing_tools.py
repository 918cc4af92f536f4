"""A missing tool fails with the component's name and the make target that installs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.embedded import enclave_hub, keycloak, postgres


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRE_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_missing_keycloak_names_make_tools(empty_cache: Path) -> None:
    with pytest.raises(
        FileNotFoundError, match=r"Keycloak 26\.4\.0 is not installed .*`make tools`"
    ):
        keycloak.distribution()


def test_missing_single_user_environment_names_make_tools(empty_cache: Path) -> None:
    with pytest.raises(
        FileNotFoundError, match=r"single-user environment is missing.*`make tools`"
    ):
        enclave_hub.singleuser_env()


def test_missing_proxy_names_make_tools(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(empty_cache))
    with pytest.raises(
        FileNotFoundError, match=r"configurable-http-proxy is not installed.*`make tools`"
    ):
        enclave_hub.proxy_binary()


def test_missing_postgres_names_make_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "PG_BIN", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    server = postgres.PostgresServer(log_dir=tmp_path, data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"initdb is not installed.*`make system`"):
        server.start()
