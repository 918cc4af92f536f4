"""Kubernetes objects for the project controller: read, compare, apply only what differs.

:meth:`ClusterObjects.apply` reads the live object and compares the manifest with it
(every field the manifest sets must hold the same value; fields the server defaults are
ignored). Only when something differs does it write, with server-side apply under the
field manager ``tre-orchestrator`` and ``force``, so a hand edit of a field the
controller owns is overwritten. An unchanged object therefore costs one GET and no write.

Connection failures, timeouts, 429 and 5xx answers become :class:`KubernetesUnavailable`
(retry later); any other refusal becomes :class:`KubernetesRefused` with the server's
message.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from orchestrator.adapters.kubernetes_connection import KubernetesConnection
from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, KIND, PLURAL

FIELD_MANAGER = "tre-orchestrator"

# kind -> (API path prefix, plural, namespaced)
KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Secret": ("/api/v1", "secrets", True),
    "Service": ("/api/v1", "services", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "ResourceQuota": ("/api/v1", "resourcequotas", True),
    "LimitRange": ("/api/v1", "limitranges", True),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "Pod": ("/api/v1", "pods", True),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    KIND: (f"/apis/{API_GROUP}/{API_VERSION}", PLURAL, False),
}


class KubernetesUnavailable(RuntimeError):
    """The API server could not be reached or answered with a temporary failure."""


class KubernetesRefused(RuntimeError):
    """The API server refused the request (validation, RBAC, conflict); says why."""


def matches(desired: Any, live: Any) -> bool:
    """Whether ``live`` holds every value ``desired`` sets (server defaults ignored).

    The server omits empty lists, maps and strings, so those match an absent field.
    """
    if live is None and desired in ([], {}, ""):
        return True
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(
            matches(value, live.get(key)) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(desired) == len(live)
            and all(matches(d, item) for d, item in zip(desired, live, strict=True))
        )
    return bool(desired == live)


def object_path(api_version: str, kind: str, name: str | None, namespace: str | None) -> str:
    try:
        prefix, plural, namespaced = KINDS[kind]
    except KeyError:
        raise KubernetesRefused(f"the controller does not manage {kind} objects") from None
    if not prefix.endswith(api_version):
        raise KubernetesRefused(f"{kind} is served as {prefix}, not {api_version}")
    path = prefix
    if namespaced:
        if not namespace:
            raise KubernetesRefused(f"{kind} {name} needs a namespace")
        path += f"/namespaces/{quote(namespace)}"
    path += f"/{plural}"
    return f"{path}/{quote(name)}" if name else path


@dataclass
class ClusterObjects:
    """The controller's objects in one cluster, through one pooled HTTP client."""

    connection: KubernetesConnection
    timeout: float = 30.0
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _http(self, *, renew: bool = False) -> httpx.Client:
        with self._lock:
            if self._client is None or renew:
                fields = self.connection.login_fields()
                context = ssl.create_default_context(cafile=fields["ca_path"])
                if fields["certificate_path"]:
                    context.load_cert_chain(fields["certificate_path"], fields["private_key_path"])
                headers = {"Accept": "application/json"}
                if fields["token"]:
                    headers["Authorization"] = f"Bearer {fields['token']}"
                limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
                self._client = httpx.Client(
                    base_url=fields["server"],
                    verify=context if not fields["insecure"] else False,
                    headers=headers,
                    timeout=self.timeout,
                    limits=limits,
                )
            return self._client

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        content = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": content_type} if content is not None else {}
        for attempt in range(2):
            try:
                response = self._http(renew=attempt > 0).request(
                    method, path, content=content, params=params, headers=headers
                )
            except httpx.HTTPError as exc:
                raise KubernetesUnavailable(
                    f"the Kubernetes API did not answer {method} {path}: {exc}"
                ) from exc
            if response.status_code != 401:
                break  # a 401 means a rotated token: log in again once
        if response.status_code == 429 or response.status_code >= 500:
            raise KubernetesUnavailable(
                f"the Kubernetes API answered {method} {path} with {response.status_code}: "
                f"{_message(response)}"
            )
        return response

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        response = self._request("GET", object_path(api_version, kind, name, namespace))
        if response.status_code == 404:
            return None
        _check(response, f"read {kind} {name}")
        found: dict[str, Any] = response.json()
        return found

    def apply(self, manifest: Mapping[str, Any]) -> bool:
        meta = manifest["metadata"]
        kind, name, namespace = manifest["kind"], meta["name"], meta.get("namespace")
        live = self.get(manifest["apiVersion"], kind, name, namespace)
        if live is not None and matches(manifest, live):
            return False
        response = self._request(
            "PATCH",
            object_path(manifest["apiVersion"], kind, name, namespace),
            body=manifest,
            params={"fieldManager": FIELD_MANAGER, "force": "true"},
            content_type="application/apply-patch+yaml",
        )
        _check(response, f"apply {kind} {name}")
        return True

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        path = object_path(api_version, kind, name, namespace)
        response = self._request("DELETE", path, body={"propagationPolicy": "Background"})
        if response.status_code == 404:
            return False
        if response.status_code == 409:
            return False  # already being deleted
        _check(response, f"delete {kind} {name}")
        return True

    def patch_status(
        self, api_version: str, kind: str, name: str, status: Mapping[str, Any]
    ) -> None:
        """Merge ``status`` into the status of a cluster-wide object (its subresource)."""
        response = self._request(
            "PATCH",
            object_path(api_version, kind, name, None) + "/status",
            body={"status": dict(status)},
            content_type="application/merge-patch+json",
        )
        _check(response, f"update the status of {kind} {name}")

    def list_names(
        self, api_version: str, kind: str, namespace: str, labels: Mapping[str, str]
    ) -> list[str]:
        selector = ",".join(f"{k}={v}" for k, v in labels.items())
        response = self._request(
            "GET",
            object_path(api_version, kind, None, namespace),
            params={"labelSelector": selector},
        )
        _check(response, f"list {kind} in {namespace}")
        return [item["metadata"]["name"] for item in response.json().get("items", [])]


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text[:300]))
    except ValueError:
        return response.text[:300]


def _check(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    message = _message(response)
    if response.status_code in (403, 404, 409) and "being terminated" in message:
        raise KubernetesUnavailable(f"could not {what}: {message}")
    raise KubernetesRefused(f"could not {what} ({response.status_code}): {message}")
