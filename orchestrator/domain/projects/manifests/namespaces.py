"""The project's namespace: Pod Security ``restricted``, labelled as the project's."""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import Enclave

POD_SECURITY_LEVEL = "restricted"
_POD_SECURITY_MODES = ("enforce", "audit", "warn")


def make_namespace(enclave: Enclave) -> dict[str, Any]:
    """The namespace ``tre-<project>``, enforcing, auditing and warning at ``restricted``."""
    labels = {
        **naming.project_labels(enclave.project),
        **{
            f"pod-security.kubernetes.io/{mode}": POD_SECURITY_LEVEL for mode in _POD_SECURITY_MODES
        },
        **{f"pod-security.kubernetes.io/{mode}-version": "latest" for mode in _POD_SECURITY_MODES},
        "research.tre-orchestrator.io/tier": str(enclave.spec.tier),
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": enclave.namespace,
            "labels": labels,
            "annotations": {"research.tre-orchestrator.io/display-name": enclave.spec.display_name},
        },
    }
