"""The one frozen input of every manifest builder: a project, its spec and the platform.

Also the pieces every pod shares: Pod Security ``restricted`` security contexts and
object metadata carrying the project's labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import ProjectSpec

HUB_UID = 1000
"""The hub image's user (quay.io/jupyterhub/k8s-hub runs as jovyan, 1000)."""
PROXY_UID = 65534
"""The proxy image's user (configurable-http-proxy runs as nobody)."""
WORKSPACE_UID = 1000
"""The user servers' user (Jupyter docker-stacks images run as jovyan, 1000)."""


@dataclass(frozen=True)
class Enclave:
    """Everything the project's desired objects depend on."""

    project: str
    """The project's (metadata) name, already checked to be a short DNS label."""
    spec: ProjectSpec
    """The checked spec."""
    platform: Platform
    """The platform's shared services."""
    suspended: bool = False
    """Whether the project is suspended (by hand or by expiry): the hub is scaled to zero."""

    @property
    def namespace(self) -> str:
        return naming.namespace_name(self.project)

    def metadata(self, name: str, component: str | None = None) -> dict[str, Any]:
        """Metadata of a namespaced object called ``name``, labelled for the project."""
        labels = (
            naming.component_labels(self.project, component)
            if component
            else naming.project_labels(self.project)
        )
        return {"name": name, "namespace": self.namespace, "labels": labels}


def pod_security_context(uid: int) -> dict[str, Any]:
    """A pod security context that passes Pod Security ``restricted``."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context(uid: int, *, read_only_root: bool = True) -> dict[str, Any]:
    """A container security context that passes Pod Security ``restricted``."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": read_only_root,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
