"""The registry of committed files that are generated from code.

Each entry pairs a path (relative to the repository root) with a function that
returns its content. ``tre dev generate`` writes them; ``--check`` fails on drift.
Add one line to ``ARTEFACTS`` for each new generated file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.checks.content_rules import render_content_rules_yaml
from orchestrator.checks.reference import render_export_rules_reference
from orchestrator.checks.schema import render_ruleset_schema
from orchestrator.cli import helm_reference, satre_report
from orchestrator.domain.airlock.diagram import render_state_reference
from orchestrator.domain.operator_access import (
    render_admission_policy,
    render_operator_rules,
    render_peering_crd,
    render_project_rules,
)
from orchestrator.domain.permissions_reference import render_permissions_reference
from orchestrator.domain.projects.crd import render_crd
from orchestrator.domain.projects.reference import render_reference as render_project_reference
from orchestrator.embedded.paths import REPO_ROOT


@dataclass(frozen=True)
class Artefact:
    """A generated file: where it lives and how to produce it."""

    path: str
    render: Callable[[], str]

    @property
    def full_path(self) -> Path:
        return REPO_ROOT / self.path

    def current(self) -> str | None:
        try:
            return self.full_path.read_text()
        except FileNotFoundError:
            return None

    def write(self) -> None:
        self.full_path.parent.mkdir(parents=True, exist_ok=True)
        self.full_path.write_text(self.render())


def _airlock_openapi() -> str:
    from orchestrator.api.openapi import render_openapi

    return render_openapi()


def _airlock_configuration() -> str:
    from orchestrator.api.configuration_reference import render_configuration_reference

    return render_configuration_reference()


def _operator_configuration() -> str:
    from orchestrator.api.configuration_reference import render_settings_reference
    from orchestrator.operator.settings import REFERENCE_HEADER, OperatorSettings

    return render_settings_reference(OperatorSettings, "TRE_OPERATOR_", REFERENCE_HEADER)


ARTEFACTS: list[Artefact] = [
    Artefact("orchestrator/checks/ruleset.schema.json", render_ruleset_schema),
    Artefact("docs/reference/export-rules.md", render_export_rules_reference),
    Artefact("helm/tre-orchestrator/values.schema.json", helm_reference.render_schema_json),
    Artefact("docs/reference/helm-values.md", helm_reference.render_values_reference),
    Artefact("docs/satre-compliance.md", satre_report.render_compliance),
    Artefact("docs/reference/airlock-states.md", render_state_reference),
    Artefact("docs/reference/permissions.md", render_permissions_reference),
    Artefact("policies/content-rules.yaml", render_content_rules_yaml),
    Artefact("docs/reference/openapi.json", _airlock_openapi),
    Artefact("docs/reference/configuration.md", _airlock_configuration),
    Artefact("docs/reference/operator-configuration.md", _operator_configuration),
    Artefact("helm/tre-orchestrator/files/operator-clusterrole-rules.yaml", render_operator_rules),
    Artefact("helm/tre-orchestrator/files/operator-project-rules.yaml", render_project_rules),
    Artefact("helm/tre-orchestrator/files/operator-admission-policy.yaml", render_admission_policy),
    Artefact("helm/tre-orchestrator/crds/kopf-peerings.yaml", render_peering_crd),
    Artefact("helm/tre-orchestrator/crds/researchprojects.yaml", render_crd),
    Artefact("docs/research-projects.md", render_project_reference),
]


def drifted() -> list[str]:
    """Paths whose committed content differs from what the code generates."""
    return [a.path for a in ARTEFACTS if a.current() != a.render()]
