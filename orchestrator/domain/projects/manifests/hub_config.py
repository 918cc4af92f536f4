"""The per-project ``jupyterhub_config.py``: KubeSpawner with hardened, sealed user servers.

The text is generated from data (every value is a Python literal written with
``repr``), so it is valid Python by construction and tested by executing it against a
recording stand-in for ``c``. Secrets are never in it: the proxy's token reaches the
hub as ``CONFIGPROXY_AUTH_TOKEN`` from a Secret, and the hub finds its own Service and
the proxy's through the Services' environment variables, so it needs no DNS.

User servers:

* run as ``workspace`` without an API token, non-root, all capabilities dropped, no
  privilege escalation, seccomp ``RuntimeDefault``, a read-only root file system with
  writable ``/tmp`` (an emptyDir) and home (a PVC per user);
* choose a profile from ``computeProfiles`` and an image from ``images`` only
  (anything else is refused before the pod is created);
* receive no project-wide credentials: a personal storage key, issued by the operator
  for this server and refused by the store after the session lifetime, is mounted from
  the Secret ``tre-storage-{user_server}`` at
  :data:`~orchestrator.domain.projects.manifests.storage_session.STORAGE_KEY_DIR` (an
  AWS credentials file that ``AWS_SHARED_CREDENTIALS_FILE`` names); a projected token of
  audience ``Platform.vault_audience`` at :data:`VAULT_TOKEN_DIR` lets them log in to
  Vault (role ``tre-project-<name>``); environment variables name the buckets, prefixes
  and URLs;
* serve no file downloads: ``/files/`` answers 403, nbconvert's exporters are disabled
  and hidden files are not served. This is defence in depth, not a boundary: the
  contents API still returns files for editing. The boundary is the network (user
  servers reach only the hub, Vault, object storage and the airlock).
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.domain.access import Role
from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import (
    WORKSPACE_UID,
    Enclave,
    container_security_context,
)
from orchestrator.domain.projects.manifests.storage_session import (
    STORAGE_KEY_DIR,
    STORAGE_VOLUME,
)
from orchestrator.domain.projects.quantities import parse_quantity

HUB_DATA_DIR = "/srv/jupyterhub/data"
"""The hub's database and cookie secret (its PVC)."""
HOME_DIR = "/home/jovyan"
VAULT_TOKEN_DIR = "/var/run/secrets/tre/vault"
"""Where user servers find their Vault-audience token (file ``token``)."""
AIRLOCK_SERVICE = "airlock"
"""The airlock's name among the hub's services."""

SINGLEUSER_ARGS = (
    "--ContentsManager.allow_hidden=False",
    "--ContentsManager.files_handler_class=tornado.web.ErrorHandler",
    "--ContentsManager.files_handler_params=status_code=403",
    "--Exporter.enabled=False",
)
"""Command-line flags (which outrank any config file in the user's home) that stop the
single-user server from serving downloads."""


def _profile(enclave: Enclave, index: int) -> dict[str, Any]:
    profile = enclave.spec.compute_profiles[index]
    cpu = float(parse_quantity(profile.cpu))
    memory = int(parse_quantity(profile.memory))
    override: dict[str, Any] = {
        "cpu_guarantee": cpu,
        "cpu_limit": cpu,
        "mem_guarantee": memory,
        "mem_limit": memory,
    }
    if profile.gpu:
        override["extra_resource_guarantees"] = {"nvidia.com/gpu": str(profile.gpu)}
        override["extra_resource_limits"] = {"nvidia.com/gpu": str(profile.gpu)}
    images = enclave.spec.images
    return {
        "display_name": profile.display_name,
        "slug": profile.name,
        "default": profile == enclave.spec.default_profile,
        "kubespawner_override": override,
        "profile_options": {
            "image": {
                "display_name": "Image",
                "choices": {
                    f"image-{i}": {
                        "display_name": image,
                        "default": i == 0,
                        "kubespawner_override": {"image": image},
                    }
                    for i, image in enumerate(images)
                },
            }
        },
    }


def _literal(value: str) -> str:
    """``value`` as KubeSpawner passes it on: it expands ``{...}`` in every environment
    value as a ``str.format`` template, so literal braces are written doubled."""
    return value.replace("{", "{{").replace("}", "}}")


def _environment(enclave: Enclave) -> dict[str, str]:
    platform, project = enclave.platform, enclave.project
    datasets = {d.name: {"bucket": d.bucket, "prefix": d.prefix} for d in enclave.spec.datasets}
    return {
        "TRE_PROJECT": project,
        "TRE_S3_URL": platform.s3_url,
        "TRE_INPUTS_BUCKET": naming.inputs_bucket(project),
        "TRE_OUTBOX_BUCKET": naming.outbox_bucket(project),
        "TRE_DATASETS": _literal(json.dumps(datasets, sort_keys=True)),
        "TRE_AIRLOCK_URL": platform.airlock_url,
        "VAULT_ADDR": platform.vault_url,
        "TRE_VAULT_AUTH_MOUNT": platform.vault_kubernetes_mount,
        "TRE_VAULT_ROLE": naming.vault_role_name(project),
        "TRE_VAULT_TOKEN_FILE": f"{VAULT_TOKEN_DIR}/token",
        "AWS_SHARED_CREDENTIALS_FILE": f"{STORAGE_KEY_DIR}/credentials",
    }


def _volumes(enclave: Enclave) -> list[dict[str, Any]]:
    return [
        {"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
        {
            # Written by the operator when it sees the pod; the pod waits for it.
            "name": STORAGE_VOLUME,
            "secret": {
                "secretName": naming.session_secret_name("{user_server}"),
                "defaultMode": 0o440,
            },
        },
        {
            "name": "vault-token",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": enclave.platform.vault_audience,
                            "expirationSeconds": enclave.platform.credential_ttl_seconds,
                            "path": "token",
                        }
                    }
                ]
            },
        },
    ]


_VOLUME_MOUNTS = [
    {"name": "home", "mountPath": HOME_DIR},
    {"name": "tmp", "mountPath": "/tmp"},
    {"name": STORAGE_VOLUME, "mountPath": STORAGE_KEY_DIR, "readOnly": True},
    {"name": "vault-token", "mountPath": VAULT_TOKEN_DIR, "readOnly": True},
]


def hub_settings(enclave: Enclave) -> dict[str, Any]:
    """Every literal setting of the hub, as ``{"Class.trait": value}``."""
    spec, platform, project = enclave.spec, enclave.platform, enclave.project
    researchers = sorted(m.username for m in spec.members if Role.RESEARCHER in m.roles)
    settings: dict[str, Any] = {
        "JupyterHub.hub_bind_url": f"http://:{naming.HUB_PORT}",
        "JupyterHub.db_url": f"sqlite:///{HUB_DATA_DIR}/jupyterhub.sqlite",
        "JupyterHub.cookie_secret_file": f"{HUB_DATA_DIR}/cookie_secret",
        "JupyterHub.cleanup_servers": False,
        "JupyterHub.allow_named_servers": False,
        "ConfigurableHTTPProxy.should_start": False,
        "JupyterHub.spawner_class": "kubespawner.KubeSpawner",
        "JupyterHub.services": [
            {"name": AIRLOCK_SERVICE, "url": platform.airlock_url, "display": True}
        ],
        "Authenticator.allowed_users": researchers,
        "Authenticator.admin_users": [],
        "KubeSpawner.namespace": enclave.namespace,
        "KubeSpawner.port": naming.SINGLEUSER_PORT,
        # The operator finds a server's storage Secret from its pod's name.
        "KubeSpawner.pod_name_template": f"{naming.SERVER_POD_PREFIX}{{user_server}}",
        "KubeSpawner.service_account": naming.WORKSPACE_SERVICE_ACCOUNT,
        "KubeSpawner.automount_service_account_token": False,
        "KubeSpawner.image": spec.images[0],
        "KubeSpawner.image_pull_policy": "IfNotPresent",
        "KubeSpawner.cmd": ["jupyterhub-singleuser"],
        "KubeSpawner.args": list(SINGLEUSER_ARGS),
        # KubeSpawner adds its own component labels (which the NetworkPolicies select).
        "KubeSpawner.extra_labels": {naming.PROJECT_LABEL: project},
        "KubeSpawner.uid": WORKSPACE_UID,
        "KubeSpawner.gid": WORKSPACE_UID,
        "KubeSpawner.fs_gid": WORKSPACE_UID,
        "KubeSpawner.privileged": False,
        "KubeSpawner.allow_privilege_escalation": False,
        "KubeSpawner.pod_security_context": {
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "KubeSpawner.container_security_context": container_security_context(WORKSPACE_UID),
        "KubeSpawner.extra_pod_config": {"enableServiceLinks": False},
        "KubeSpawner.storage_pvc_ensure": True,
        "KubeSpawner.pvc_name_template": "home-{user_server}",
        "KubeSpawner.storage_capacity": platform.home_size,
        "KubeSpawner.storage_access_modes": ["ReadWriteOnce"],
        "KubeSpawner.storage_extra_labels": naming.project_labels(project),
        "KubeSpawner.volumes": _volumes(enclave),
        "KubeSpawner.volume_mounts": _VOLUME_MOUNTS,
        "KubeSpawner.environment": _environment(enclave),
        "KubeSpawner.profile_list": [
            _profile(enclave, i) for i in range(len(spec.compute_profiles))
        ],
        "KubeSpawner.start_timeout": 300,
        "KubeSpawner.http_timeout": 120,
        "KubeSpawner.delete_grace_period": 10,
    }
    if platform.home_storage_class:
        settings["KubeSpawner.storage_class"] = platform.home_storage_class
    return settings


_DYNAMIC = '''
# The hub reaches itself and the proxy's API by the Services' addresses, which
# Kubernetes gives it as environment variables: no DNS is needed.
c.JupyterHub.hub_connect_url = "http://{}:{}".format(
    os.environ["HUB_SERVICE_HOST"], os.environ["HUB_SERVICE_PORT"]
)
c.ConfigurableHTTPProxy.api_url = "http://{}:{}".format(
    os.environ["PROXY_API_SERVICE_HOST"], os.environ["PROXY_API_SERVICE_PORT"]
)


def _only_allowed_images(spawner):
    """Refuse to start a server whose image is not in the project's list."""
    if spawner.image not in ALLOWED_IMAGES:
        raise ValueError(f"image {spawner.image!r} is not allowed in this project")


c.KubeSpawner.pre_spawn_hook = _only_allowed_images
'''


def make_hub_config_text(enclave: Enclave) -> str:
    """The complete ``jupyterhub_config.py`` of the project's hub."""
    lines = [
        f"# Generated by tre-orchestrator for project {enclave.project!r}; "
        "edits are overwritten on the next reconcile.",
        "import os",
        "",
        "c = get_config()  # noqa: F821",
        f"ALLOWED_IMAGES = {list(enclave.spec.images)!r}",
        "",
    ]
    lines += [f"c.{key} = {value!r}" for key, value in hub_settings(enclave).items()]
    return "\n".join(lines) + "\n" + _DYNAMIC
