"""Vault going away degrades a project with a reason and backoff; its return heals it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.embedded.openbao import OpenBaoPersistent
from tests.integration.controller.platform import ControllerCluster, VaultTarget
from tests.integration.controller.projects import Projects, make_spec, project_name


def test_a_vault_outage_is_reported_retried_with_backoff_and_recovered(
    # First, so that this Vault outlives the operator and the projects it tears down.
    openbao_persistent_factory: Callable[[], OpenBaoPersistent],
    controller_cluster: ControllerCluster,
    start_operator: Any,
    projects: Projects,
) -> None:
    vault = openbao_persistent_factory()
    operator = start_operator(
        resync_seconds=3, vault=VaultTarget(vault.url, vault.root_token), name="outage"
    )
    name = project_name("outage")
    projects.create(name, make_spec())
    projects.wait_for_phase(name, "Ready", timeout=120)

    vault.stop()
    projects.wait_for(
        lambda: projects.condition(name, "VaultReady").get("reason") == "VaultUnavailable",
        "VaultReady to turn False with reason VaultUnavailable",
        timeout=30,
    )
    condition = projects.condition(name, "VaultReady")
    assert condition["status"] == "False"
    assert "Vault is unavailable" in condition["message"]
    assert str(vault.port) in condition["message"]
    assert projects.status(name)["phase"] == "Degraded"
    # The other areas stay as they were: only Vault is down.
    assert projects.condition(name, "NamespaceReady")["status"] == "True"
    failures = 'tre_reconcile_errors_total{kind="VaultUnavailable"}'
    projects.wait_for(lambda: operator.metric(failures) >= 2, "a retry", timeout=30)
    assert operator.process.running()

    vault.start()
    projects.wait_for_phase(name, "Ready", timeout=90)
    assert projects.condition(name, "VaultReady")["status"] == "True"
