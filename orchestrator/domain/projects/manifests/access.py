"""The controller's own RoleBinding, the project's ServiceAccounts and the hub's Role.

* ``tre-orchestrator``: binds the platform's project ClusterRole to the controller's
  ServiceAccount in this namespace only; the controller holds no rights on Secrets,
  Pods, ServiceAccounts or Roles anywhere else.

* ``hub``: its token is mounted; KubeSpawner uses it to manage user servers' pods,
  home volumes and Services, and to read events, in this namespace only.
* ``workspace``: user servers run as it with ``automountServiceAccountToken: false``,
  so they hold no Kubernetes API token. They log in to Vault with a projected token of
  audience ``Platform.vault_audience`` that the spawner mounts (see
  :mod:`~orchestrator.domain.projects.manifests.hub_config`); the Kubernetes API
  refuses that token, and Vault's role for the project accepts only it.
"""

from __future__ import annotations

import copy
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import Enclave

MANAGE = ("get", "list", "watch", "create", "update", "patch", "delete")

HUB_ROLE_RULES: tuple[dict[str, Any], ...] = (
    {
        "apiGroups": [""],
        "resources": ["pods", "persistentvolumeclaims", "services"],
        "verbs": list(MANAGE),
    },
    {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list", "watch"]},
)
"""What the hub's spawner may do in its own namespace (the operator must hold these too)."""


def make_hub_service_account(enclave: Enclave) -> dict[str, Any]:
    """The hub's ServiceAccount, whose token KubeSpawner uses."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": enclave.metadata(naming.HUB_SERVICE_ACCOUNT, naming.HUB_NAME),
        "automountServiceAccountToken": True,
    }


def make_workspace_service_account(enclave: Enclave) -> dict[str, Any]:
    """User servers' ServiceAccount: no API token is ever mounted."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": enclave.metadata(naming.WORKSPACE_SERVICE_ACCOUNT, naming.SINGLEUSER_COMPONENT),
        "automountServiceAccountToken": False,
    }


def make_hub_role(enclave: Enclave) -> dict[str, Any]:
    """The hub's rights, limited to the project's namespace."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": enclave.metadata(naming.HUB_ROLE, naming.HUB_NAME),
        "rules": [copy.deepcopy(rule) for rule in HUB_ROLE_RULES],
    }


def make_hub_role_binding(enclave: Enclave) -> dict[str, Any]:
    """Binds the hub's Role to its ServiceAccount."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": enclave.metadata(naming.HUB_ROLE, naming.HUB_NAME),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": naming.HUB_ROLE,
        },
        "subjects": [
            {
                "kind": "ServiceAccount",
                "name": naming.HUB_SERVICE_ACCOUNT,
                "namespace": enclave.namespace,
            }
        ],
    }


OPERATOR_BINDING = "tre-orchestrator"
"""Name of the RoleBinding granting the controller its rights in a project namespace."""


def make_operator_binding(enclave: Enclave) -> dict[str, Any]:
    """Grants the controller the platform's project ClusterRole in this namespace."""
    platform = enclave.platform
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": enclave.metadata(OPERATOR_BINDING),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": platform.operator_project_role,
        },
        "subjects": [
            {
                "kind": "ServiceAccount",
                "name": platform.operator_service_account,
                "namespace": platform.operator_namespace,
            }
        ],
    }


def make_access_objects(enclave: Enclave) -> list[dict[str, Any]]:
    """ServiceAccounts, then the Role, then its binding."""
    return [
        make_hub_service_account(enclave),
        make_workspace_service_account(enclave),
        make_hub_role(enclave),
        make_hub_role_binding(enclave),
    ]
