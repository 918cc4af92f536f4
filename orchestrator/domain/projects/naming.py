"""Every name derived from a project's name, in one place.

Names are collision-free by construction: the project name is a DNS label of at most
:data:`~orchestrator.domain.projects.spec.MAX_PROJECT_NAME` characters, so each name
below is a valid namespace, bucket, Vault or storage-identity name.
"""

from __future__ import annotations

import hashlib
import re

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
"""Label on every object the controller creates."""
MANAGED_BY = "tre-orchestrator"
"""Value of :data:`MANAGED_BY_LABEL`."""
PROJECT_LABEL = "research.tre-orchestrator.io/project"
"""Label naming the project an object belongs to."""
COMPONENT_LABEL = "app.kubernetes.io/component"
"""Label naming the component (hub, proxy, singleuser) of a pod or its Service."""

HUB_NAME = "hub"
"""The hub's Deployment, Service and ConfigMap."""
PROXY_NAME = "proxy"
"""The proxy's Deployment."""
PROXY_PUBLIC_SERVICE = "proxy-public"
"""The Service users reach the enclave through."""
PROXY_API_SERVICE = "proxy-api"
"""The Service the hub configures the proxy through."""
SINGLEUSER_COMPONENT = "singleuser-server"
"""Component label KubeSpawner puts on user servers."""

HUB_SERVICE_ACCOUNT = "hub"
"""The hub's ServiceAccount: its token lets KubeSpawner manage pods in the namespace."""
WORKSPACE_SERVICE_ACCOUNT = "workspace"
"""User servers' ServiceAccount: no API token mounted; a Vault-audience token only."""
HUB_SECRET = "hub"
"""The Secret holding the hub/proxy shared token (key :data:`PROXY_TOKEN_KEY`); created
once with a random value by the operator, never part of the desired state."""
PROXY_TOKEN_KEY = "proxy-token"
"""Key of the proxy's API token in :data:`HUB_SECRET`."""
HUB_DATA_CLAIM = "hub-data"
"""The hub's PersistentVolumeClaim (its database and cookie secret)."""
HUB_ROLE = "hub"
"""The Role (and RoleBinding) granting the hub its namespace-local rights."""

HUB_PORT = 8081
"""The hub's API port (user servers and the proxy reach it here)."""
PROXY_PUBLIC_PORT = 8000
"""The proxy's public port."""
PROXY_API_PORT = 8001
"""The proxy's API port (the hub only)."""
SINGLEUSER_PORT = 8888
"""The port user servers listen on."""

PROJECT_PREFIX = "tre-"


def namespace_name(project: str) -> str:
    """The project's namespace, ``tre-<project>``."""
    return f"{PROJECT_PREFIX}{project}"


def project_of_namespace(namespace: str) -> str | None:
    """The project whose namespace ``namespace`` is by its name (whatever its labels say),
    or None when the name is not one :func:`namespace_name` makes."""
    if not namespace.startswith(PROJECT_PREFIX):
        return None
    return namespace[len(PROJECT_PREFIX) :] or None


def inputs_bucket(project: str) -> str:
    """The bucket files are brought into the project through (read-only in the enclave)."""
    return f"{PROJECT_PREFIX}{project}-inputs"


def outbox_bucket(project: str) -> str:
    """The bucket the airlock takes exports from (``tre-{project}-outbox``)."""
    return f"{PROJECT_PREFIX}{project}-outbox"


def project_buckets(project: str) -> tuple[str, ...]:
    """The buckets the controller creates for a project."""
    return (inputs_bucket(project), outbox_bucket(project))


def vault_policy_name(project: str) -> str:
    """The Vault policy allowing the project's workspaces to read their storage secret."""
    return f"tre-project-{project}"


def vault_role_name(project: str) -> str:
    """The Vault Kubernetes-auth role workspaces log in with."""
    return f"tre-project-{project}"


def storage_identity_name(project: str) -> str:
    """The object-storage identity (user) holding the project's bucket policy."""
    return f"tre-project-{project}"


MEMBER_IDENTITY_PREFIX = "tre-member-"
_MEMBER_DIGEST = 16


def member_storage_identity(project: str, member: str) -> str:
    """The object-storage user under which ``member``'s session keys in ``project`` live.

    The member is named by a digest, so any user name gives a valid identity name.
    """
    digest = hashlib.sha256(member.encode()).hexdigest()[:_MEMBER_DIGEST]
    return f"{MEMBER_IDENTITY_PREFIX}{project}-{digest}"


def is_member_storage_identity(project: str, identity: str) -> bool:
    """Whether ``identity`` is a member identity of ``project`` (not of ``project-x``)."""
    prefix = f"{MEMBER_IDENTITY_PREFIX}{project}-"
    rest = identity.removeprefix(prefix)
    return rest != identity and re.fullmatch(f"[0-9a-f]{{{_MEMBER_DIGEST}}}", rest) is not None


SERVER_POD_PREFIX = "jupyter-"
"""User servers' pods are named ``jupyter-{user_server}`` (KubeSpawner's template)."""
SESSION_SECRET_PREFIX = f"{PROJECT_PREFIX}storage-"


def session_secret_name(user_server: str) -> str:
    """The Secret holding the storage key of the user server ``user_server`` (the slug
    KubeSpawner puts in pod and volume names)."""
    return f"{SESSION_SECRET_PREFIX}{user_server}"


def vault_storage_secret_path(project: str) -> str:
    """The KV v2 path (under the platform's KV mount) of the project's storage credentials."""
    return f"projects/{project}/storage"


def hub_url(project: str) -> str:
    """The hub's API inside the cluster, as the airlock's ``workspaceHubs`` expects it."""
    return f"http://{HUB_NAME}.{namespace_name(project)}.svc:{HUB_PORT}/hub/api"


def project_labels(project: str) -> dict[str, str]:
    """The labels every object of ``project`` carries."""
    return {MANAGED_BY_LABEL: MANAGED_BY, PROJECT_LABEL: project}


def component_labels(project: str, component: str) -> dict[str, str]:
    """Project labels plus the component, for pods and the selectors that find them."""
    return {**project_labels(project), COMPONENT_LABEL: component}
