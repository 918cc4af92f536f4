"""The project's JupyterHub: its ConfigMap, database volume, Deployments and Services.

Hub and proxy run as separate Deployments (as in zero-to-jupyterhub), both under Pod
Security ``restricted`` with resource requests and limits inside the project's quota.
Suspended projects keep every object but run no pods: both Deployments scale to zero.
"""

from __future__ import annotations

import base64
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import (
    HUB_UID,
    PROXY_UID,
    Enclave,
    container_security_context,
    pod_security_context,
)
from orchestrator.domain.projects.manifests.hub_config import HUB_DATA_DIR, make_hub_config_text
from orchestrator.domain.projects.manifests.quotas import HUB_RESOURCES, PROXY_RESOURCES

CONFIG_DIR = "/usr/local/etc/jupyterhub"
CONFIG_KEY = "jupyterhub_config.py"
HUB_DATA_SIZE = "1Gi"
"""Size of the hub's database volume (counted against the storage quota)."""

_PROXY_TOKEN_ENV = {
    "name": "CONFIGPROXY_AUTH_TOKEN",
    "valueFrom": {"secretKeyRef": {"name": naming.HUB_SECRET, "key": naming.PROXY_TOKEN_KEY}},
}


def make_hub_config_map(enclave: Enclave) -> dict[str, Any]:
    """The hub's ``jupyterhub_config.py``."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": enclave.metadata(naming.HUB_NAME, naming.HUB_NAME),
        "data": {CONFIG_KEY: make_hub_config_text(enclave)},
    }


def make_hub_secret(enclave: Enclave, proxy_token: str) -> dict[str, Any]:
    """The Secret shared by hub and proxy; the operator creates it once, if absent, with a
    random ``proxy_token`` (so it is not part of :func:`desired_objects`)."""
    encoded = base64.b64encode(proxy_token.encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": enclave.metadata(naming.HUB_SECRET, naming.HUB_NAME),
        "type": "Opaque",
        "data": {naming.PROXY_TOKEN_KEY: encoded},
    }


def make_hub_data_claim(enclave: Enclave) -> dict[str, Any]:
    """The hub's database volume."""
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": HUB_DATA_SIZE}},
    }
    if enclave.platform.home_storage_class:
        spec["storageClassName"] = enclave.platform.home_storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": enclave.metadata(naming.HUB_DATA_CLAIM, naming.HUB_NAME),
        "spec": spec,
    }


def _deployment(
    enclave: Enclave, name: str, pod_spec: dict[str, Any], strategy: str
) -> dict[str, Any]:
    labels = naming.component_labels(enclave.project, name)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": enclave.metadata(name, name),
        "spec": {
            "replicas": 0 if enclave.suspended else 1,
            "revisionHistoryLimit": 3,
            "strategy": {"type": strategy},
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
        },
    }


def _http_probe(path: str, port: str) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": port}, "periodSeconds": 10, "timeoutSeconds": 5}


def make_hub_deployment(enclave: Enclave) -> dict[str, Any]:
    """The hub: one replica (zero when suspended), replaced rather than rolled (its
    database volume is ReadWriteOnce)."""
    container = {
        "name": naming.HUB_NAME,
        "image": enclave.platform.hub_image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["jupyterhub", "--config", f"{CONFIG_DIR}/{CONFIG_KEY}"],
        "workingDir": HUB_DATA_DIR,
        "env": [_PROXY_TOKEN_ENV],
        "ports": [{"name": "http", "containerPort": naming.HUB_PORT, "protocol": "TCP"}],
        "readinessProbe": _http_probe("/hub/health", "http"),
        "livenessProbe": {**_http_probe("/hub/health", "http"), "initialDelaySeconds": 30},
        "resources": HUB_RESOURCES,
        "securityContext": container_security_context(HUB_UID),
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "data", "mountPath": HUB_DATA_DIR},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    pod_spec = {
        "serviceAccountName": naming.HUB_SERVICE_ACCOUNT,
        "automountServiceAccountToken": True,
        # The hub finds its Service and the proxy API's through these variables.
        "enableServiceLinks": True,
        "securityContext": pod_security_context(HUB_UID),
        "containers": [container],
        "volumes": [
            {"name": "config", "configMap": {"name": naming.HUB_NAME}},
            {"name": "data", "persistentVolumeClaim": {"claimName": naming.HUB_DATA_CLAIM}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        ],
    }
    return _deployment(enclave, naming.HUB_NAME, pod_spec, "Recreate")


def make_proxy_deployment(enclave: Enclave) -> dict[str, Any]:
    """configurable-http-proxy: the enclave's one door, configured by the hub."""
    hub = "http://$(HUB_SERVICE_HOST):$(HUB_SERVICE_PORT)"
    container = {
        "name": naming.PROXY_NAME,
        "image": enclave.platform.proxy_image,
        "imagePullPolicy": "IfNotPresent",
        "command": [
            "configurable-http-proxy",
            "--ip=",
            f"--port={naming.PROXY_PUBLIC_PORT}",
            "--api-ip=",
            f"--api-port={naming.PROXY_API_PORT}",
            f"--default-target={hub}",
            f"--error-target={hub}/hub/error",
        ],
        "env": [_PROXY_TOKEN_ENV],
        "ports": [
            {"name": "http", "containerPort": naming.PROXY_PUBLIC_PORT, "protocol": "TCP"},
            {"name": "api", "containerPort": naming.PROXY_API_PORT, "protocol": "TCP"},
        ],
        "readinessProbe": _http_probe("/_chp_healthz", "http"),
        "livenessProbe": {**_http_probe("/_chp_healthz", "http"), "initialDelaySeconds": 10},
        "resources": PROXY_RESOURCES,
        "securityContext": container_security_context(PROXY_UID),
    }
    pod_spec = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": True,
        "securityContext": pod_security_context(PROXY_UID),
        "containers": [container],
    }
    return _deployment(enclave, naming.PROXY_NAME, pod_spec, "RollingUpdate")


def _service(enclave: Enclave, name: str, component: str, port: int, target: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": enclave.metadata(name, component),
        "spec": {
            "type": "ClusterIP",
            "selector": naming.component_labels(enclave.project, component),
            "ports": [{"name": target, "port": port, "targetPort": target, "protocol": "TCP"}],
        },
    }


def make_services(enclave: Enclave) -> list[dict[str, Any]]:
    """``hub`` (8081), ``proxy-public`` (8000) and ``proxy-api`` (8001)."""
    return [
        _service(enclave, naming.HUB_NAME, naming.HUB_NAME, naming.HUB_PORT, "http"),
        _service(
            enclave,
            naming.PROXY_PUBLIC_SERVICE,
            naming.PROXY_NAME,
            naming.PROXY_PUBLIC_PORT,
            "http",
        ),
        _service(
            enclave, naming.PROXY_API_SERVICE, naming.PROXY_NAME, naming.PROXY_API_PORT, "api"
        ),
    ]
