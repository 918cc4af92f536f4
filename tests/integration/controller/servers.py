"""User servers as a project's hub starts them, for the operator's tests.

:func:`start_server` creates the pod KubeSpawner would create for a member (its name,
labels and username annotation; kwok runs it); :func:`server_key` waits for the storage
key the operator hands it in its Secret.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import WORKSPACE_UID, container_security_context
from tests.harness.kubernetes import Kube


def start_server(kube: Kube, project: str, member: str) -> str:
    """Create ``member``'s user server pod in ``project``; its name."""
    name = f"{naming.SERVER_POD_PREFIX}{member}"
    namespace = naming.namespace_name(project)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {
                naming.COMPONENT_LABEL: naming.SINGLEUSER_COMPONENT,
                naming.PROJECT_LABEL: project,
            },
            "annotations": {"hub.jupyter.org/username": member},
        },
        "spec": {
            "serviceAccountName": naming.WORKSPACE_SERVICE_ACCOUNT,
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": WORKSPACE_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "notebook",
                    "image": "example.org/notebook:1",
                    "securityContext": container_security_context(WORKSPACE_UID),
                }
            ],
        },
    }
    with kube.http() as client:
        response = client.post(f"/api/v1/namespaces/{namespace}/pods", json=pod)
    assert response.status_code == 201, response.text
    return name


def stop_server(kube: Kube, project: str, member: str) -> None:
    namespace = naming.namespace_name(project)
    with kube.http() as client:
        response = client.delete(
            f"/api/v1/namespaces/{namespace}/pods/{naming.SERVER_POD_PREFIX}{member}",
            params={"gracePeriodSeconds": "0"},
        )
    assert response.status_code in (200, 202), response.text


def server_key(kube: Kube, project: str, member: str, timeout: float = 60.0) -> dict[str, Any]:
    """The storage key in ``member``'s server Secret, once the operator wrote it."""
    path = (
        f"/api/v1/namespaces/{naming.namespace_name(project)}/secrets/"
        f"{naming.session_secret_name(member)}"
    )
    deadline = time.monotonic() + timeout
    while True:
        with kube.http() as client:
            response = client.get(path)
        if response.status_code == 200:
            data = response.json()["data"]
            return {k: base64.b64decode(v).decode() for k, v in data.items()}
        assert time.monotonic() < deadline, f"no storage key for {member} after {timeout} s"
        time.sleep(0.25)
