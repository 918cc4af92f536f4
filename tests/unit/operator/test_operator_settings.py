"""The controller reads exactly what the chart gives it, and refuses to start without the rest."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from orchestrator.operator.settings import OperatorSettings, make_platform
from tests.unit.helm_chart import minimal_values, render


def chart_environment() -> dict[str, str]:
    """The operator container's environment as the chart renders it (secrets as placeholders)."""
    manifests = render(minimal_values())
    config: dict[str, Any] = next(
        m
        for m in manifests
        if m["kind"] == "ConfigMap" and m["metadata"]["name"].endswith("operator")
    )
    deployment = next(
        m
        for m in manifests
        if m["kind"] == "Deployment" and m["metadata"]["name"].endswith("operator")
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {k: str(v) for k, v in config["data"].items()}
    env.update({e["name"]: e.get("value", f"from-{e['name'].lower()}") for e in container["env"]})
    return env


def test_every_variable_the_chart_sets_is_a_setting_and_the_chart_sets_every_required_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = chart_environment()
    fields = {f"TRE_OPERATOR_{name.upper()}" for name in OperatorSettings.model_fields}
    assert set(env) <= fields
    required = {
        f"TRE_OPERATOR_{name.upper()}"
        for name, info in OperatorSettings.model_fields.items()
        if info.is_required()
    }
    assert required <= set(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = OperatorSettings()
    assert settings.vault_token.get_secret_value() == "from-tre_operator_vault_token"
    for secret in ("vault_token", "s3_access_key", "s3_secret_key"):
        assert f"from-tre_operator_{secret}" not in repr(settings)


def test_a_missing_required_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in chart_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TRE_OPERATOR_VAULT_URL")

    with pytest.raises(ValidationError, match="vault_url"):
        OperatorSettings()


def test_a_malformed_address_range_says_what_to_write(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in chart_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRE_OPERATOR_S3_CIDR", "10.0.0.0/33")

    with pytest.raises(ValidationError, match=r"write e\.g\. 10\.96\.0\.0/12"):
        OperatorSettings()


def test_the_platform_carries_the_settings_builders_need(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in chart_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRE_OPERATOR_KUBE_API_CIDR", "10.0.0.1/32")

    platform = make_platform(OperatorSettings())

    assert platform.kube_api_cidr == "10.0.0.1/32"
    assert platform.airlock_namespace == "tre-system"
