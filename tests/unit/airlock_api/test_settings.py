"""Airlock settings: required values fail fast with the variable's name; secrets stay hidden."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from orchestrator.api.settings import AirlockSettings
from orchestrator.cli.main import cli

COMPLETE = {
    "TRE_AIRLOCK_DATABASE__URL": "sqlite:////tmp/airlock.db",
    "TRE_AIRLOCK_STORAGE__ENDPOINT": "127.0.0.1:8333",
    "TRE_AIRLOCK_STORAGE__ACCESS_KEY": "airlock",
    "TRE_AIRLOCK_STORAGE__SECRET_KEY": "very-secret",
    "TRE_AIRLOCK_OIDC__ISSUER": "https://sso.example.org/realms/tre",
    "TRE_AIRLOCK_SIGNING__KEY_FILE": "/tmp/airlock-signing.pem",
    "TRE_AIRLOCK_ROLES": '{"projects": {"genomics": {"reviewers": ["rita"]}}, "operators": ["otto"]}',
}


def test_settings_read_nested_sections_and_json_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    settings = AirlockSettings()
    assert settings.server.host == "127.0.0.1"
    assert settings.roles.projects["genomics"].reviewers == ["rita"]
    assert settings.oidc.keys_url() == (
        "https://sso.example.org/realms/tre/protocol/openid-connect/certs"
    )
    assert "very-secret" not in repr(settings)
    assert settings.storage.secret_key.get_secret_value() == "very-secret"


def test_signing_needs_exactly_one_key_location(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRE_AIRLOCK_SIGNING__VAULT_URL", "http://127.0.0.1:8200")
    with pytest.raises(ValidationError, match=r"set exactly one of signing\.key_file"):
        AirlockSettings()


def test_serve_without_configuration_names_the_missing_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(COMPLETE):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["airlock", "serve"])
    assert result.exit_code == 2
    assert "TRE_AIRLOCK_DATABASE: Field required" in result.output
    assert "TRE_AIRLOCK_SIGNING: Field required" in result.output


def test_members_from_kubernetes_refuses_project_roles_in_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRE_AIRLOCK_ROLES__MEMBERS_FROM", "kubernetes")
    with pytest.raises(ValidationError, match=r"roles\.projects must be empty when"):
        AirlockSettings()
