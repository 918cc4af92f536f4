"""Make Kubernetes objects match manifests, writing only when something differs.

The controller computes plain manifests (dicts) from a project's spec; this adapter
makes the cluster match them. :meth:`KubernetesObjects.apply` reads the live object and
compares: when every field the manifest sets already has that value (a recursive subset
comparison, so fields the server defaults or other controllers add are not drift), it
writes nothing. Otherwise it server-side applies the manifest (field manager
``tre-orchestrator``, conflicts forced), which also creates a missing object, so every
field we set is owned by our one apply manager.

The fields that grant access are compared for equality instead (:data:`EXACT_FIELDS`):
a NetworkPolicy's whole ``spec``, a Role's ``rules``, a RoleBinding's ``subjects`` and
``roleRef``. There anything the live object has that the manifest does not is drift too:
a default-deny ``podSelector`` narrowed to match no pod, ``namespaceSelector: {}`` added
to an egress peer (which widens it to every namespace), an extra rule key. These fields
are atomic for server-side apply (label selectors, the rule and subject lists), so the
forced apply that follows replaces them whole and the widening is gone.

Limits of the subset rule, on purpose: a field removed from the manifest is not removed
from the live object until some other field changes (the next apply then drops it, as
server-side apply releases fields its manager no longer sets); values must be written in
the form the server stores (``"1"`` not ``"1000m"`` for quantities) or they look like
drift and cost a no-op apply on every reconcile. ``Secret.stringData`` is compared as
the base64 ``data`` the server keeps.

Every library and network error becomes one of ours: :class:`KubernetesConflict`
(409), :class:`KubernetesForbidden` (401/403, saying which verb on which resource),
:class:`KubernetesRejected` (400/422, with the server's reason), :class:`KubernetesMissing`
(404 where something must exist, e.g. the namespace) or :class:`KubernetesUnavailable`
(connection errors, 429, 5xx).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import kubernetes.client
import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, KIND, PLURAL

FIELD_MANAGER = "tre-orchestrator"
Outcome = Literal["created", "updated", "unchanged"]


class KubernetesError(Exception):
    """Base of the Kubernetes errors of this adapter."""


class KubernetesConflict(KubernetesError):
    """The object changed under us or already exists (409): read again and retry."""


class KubernetesForbidden(KubernetesError):
    """Our credentials may not make this call; the message says which verb on which resource."""


class KubernetesRejected(KubernetesError):
    """The API server rejected the object as invalid; the message carries its reason."""


class KubernetesMissing(KubernetesError):
    """Something the call needs does not exist (404), e.g. the namespace."""


class KubernetesUnavailable(KubernetesError):
    """The API server cannot be reached, is overloaded or failed (5xx): retry later."""


class UnsupportedKind(KubernetesError, ValueError):
    """The manifest's kind or apiVersion is not one this adapter manages."""


@dataclass(frozen=True)
class Kind:
    """Where the objects of one kind live in the API."""

    api_version: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None, name: str | None = None) -> str:
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced:
            if not namespace:
                raise UnsupportedKind(f"{self.plural} are namespaced: give a namespace")
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        return base if name is None else f"{base}/{quote(name, safe='')}"


KINDS: dict[str, Kind] = {
    "Namespace": Kind("v1", "namespaces", namespaced=False),
    "NetworkPolicy": Kind("networking.k8s.io/v1", "networkpolicies", namespaced=True),
    "ResourceQuota": Kind("v1", "resourcequotas", namespaced=True),
    "LimitRange": Kind("v1", "limitranges", namespaced=True),
    "ServiceAccount": Kind("v1", "serviceaccounts", namespaced=True),
    "Role": Kind("rbac.authorization.k8s.io/v1", "roles", namespaced=True),
    "RoleBinding": Kind("rbac.authorization.k8s.io/v1", "rolebindings", namespaced=True),
    "ConfigMap": Kind("v1", "configmaps", namespaced=True),
    "PersistentVolumeClaim": Kind("v1", "persistentvolumeclaims", namespaced=True),
    "Secret": Kind("v1", "secrets", namespaced=True),
    "Service": Kind("v1", "services", namespaced=True),
    "Deployment": Kind("apps/v1", "deployments", namespaced=True),
    "Pod": Kind("v1", "pods", namespaced=True),
    "Event": Kind("v1", "events", namespaced=True),
    KIND: Kind(f"{API_GROUP}/{API_VERSION}", PLURAL, namespaced=False),
}
"""The kinds the controller manages (or, for pods, looks up), by ``kind``."""


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def is_subset(desired: Any, live: Any) -> bool:
    """True when every field ``desired`` sets has the same value in ``live``.

    Dicts: each key of ``desired`` must match in ``live`` (an empty or null desired value
    also matches a missing key, as the server drops empty maps). Lists: same length and
    each element a subset of its counterpart. Anything else: equality.
    """
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return False
        return all(
            is_subset(value, live[key]) if key in live else _empty(value)
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        if not isinstance(live, list) or len(desired) != len(live):
            return False
        return all(is_subset(d, v) for d, v in zip(desired, live, strict=True))
    return bool(desired == live)


EXACT_FIELDS: dict[str, tuple[str, ...]] = {
    "NetworkPolicy": ("spec",),
    "Role": ("rules",),
    "RoleBinding": ("subjects", "roleRef"),
}
"""Top-level fields compared for equality, by kind: what they do not say is not allowed."""


def is_equal(desired: Any, live: Any) -> bool:
    """True when ``live`` has exactly the fields and values ``desired`` sets.

    Like :func:`is_subset`, an empty or null desired value matches a missing key (the
    server drops empty lists and maps); unlike it, a key only ``live`` has is a difference,
    even an empty one (``namespaceSelector: {}`` selects every namespace).
    """
    if isinstance(desired, dict):
        if not isinstance(live, dict) or not set(live) <= set(desired):
            return False
        return all(
            is_equal(value, live[key]) if key in live else _empty(value)
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        if not isinstance(live, list) or len(desired) != len(live):
            return False
        return all(is_equal(d, v) for d, v in zip(desired, live, strict=True))
    return bool(desired == live)


def matches(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """Whether ``live`` already is what ``desired`` asks for: the fields of
    :data:`EXACT_FIELDS` equal, everything else a subset."""
    exact = EXACT_FIELDS.get(str(desired.get("kind", "")), ())
    rest = {key: value for key, value in desired.items() if key not in exact}
    return is_subset(rest, live) and all(
        is_equal(desired.get(key), live[key]) if key in live else _empty(desired.get(key))
        for key in exact
        if key in desired or key in live
    )


def comparable(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest as the server would store it, for comparison: ``Secret.stringData``
    becomes base64 ``data`` (the server never returns ``stringData``)."""
    if manifest.get("kind") != "Secret" or "stringData" not in manifest:
        return manifest
    result = {k: v for k, v in manifest.items() if k != "stringData"}
    data = dict(result.get("data") or {})
    for key, value in manifest["stringData"].items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    result["data"] = data
    return result


def _server_message(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    try:
        message = json.loads(body or "{}").get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or body or exc.reason or "no reason given")


def translate_api_error(exc: Exception, verb: str, what: str) -> KubernetesError:
    if not isinstance(exc, ApiException):
        return KubernetesUnavailable(f"could not {verb} {what}: API server unreachable ({exc})")
    status = exc.status or 0
    message = _server_message(exc)
    if status == 409:
        return KubernetesConflict(f"could not {verb} {what}: conflict: {message}")
    if status in (401, 403):
        return KubernetesForbidden(f"not allowed to {verb} {what}: {message}")
    if status in (400, 422):
        return KubernetesRejected(f"the API server rejected {what} ({verb}): {message}")
    if status == 404:
        return KubernetesMissing(f"could not {verb} {what}: {message}")
    return KubernetesUnavailable(f"could not {verb} {what}: HTTP {status or '-'}: {message}")


_ERRORS: tuple[type[Exception], ...] = (ApiException, urllib3.exceptions.HTTPError, OSError)


class KubernetesObjects:
    """Reads and writes the kinds in :data:`KINDS` through one ``ApiClient``."""

    def __init__(self, api_client: kubernetes.client.ApiClient, timeout: float = 30.0) -> None:
        self._api = api_client
        self.timeout = timeout
        self.writes = 0
        """Creates, patches and deletes the server accepted (for tests and metrics)."""

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        response = self._api.call_api(
            path,
            method,
            query_params=query or [],
            header_params={"Accept": "application/json", "Content-Type": content_type},
            body=body,
            auth_settings=["BearerToken"],
            response_types_map={},
            _return_http_data_only=True,
            _preload_content=False,
            _request_timeout=self.timeout,
        )
        data: dict[str, Any] = json.loads(response.data or b"{}")
        return data

    @staticmethod
    def _kind(kind: str) -> Kind:
        try:
            return KINDS[kind]
        except KeyError:
            raise UnsupportedKind(
                f"kind {kind!r} is not managed here; known kinds: {', '.join(KINDS)}"
            ) from None

    @staticmethod
    def _describe(kind: str, name: str, namespace: str | None) -> str:
        return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        path = self._kind(kind).path(namespace, name)
        try:
            return self._call("GET", path)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise translate_api_error(exc, "get", self._describe(kind, name, namespace)) from exc
        except _ERRORS as exc:
            raise translate_api_error(exc, "get", self._describe(kind, name, namespace)) from exc

    def apply(self, manifest: dict[str, Any]) -> Outcome:
        """Make the live object match ``manifest``; say whether it was created, updated or
        already matched (in which case nothing was written)."""
        kind_name = str(manifest.get("kind", ""))
        kind = self._kind(kind_name)
        if manifest.get("apiVersion") != kind.api_version:
            raise UnsupportedKind(
                f"{kind_name} must have apiVersion {kind.api_version}, "
                f"not {manifest.get('apiVersion')!r}"
            )
        metadata = manifest.get("metadata") or {}
        name = str(metadata.get("name") or "")
        namespace = metadata.get("namespace") if kind.namespaced else None
        if not name:
            raise UnsupportedKind(f"the {kind_name} manifest has no metadata.name")
        live = self.get(kind_name, name, namespace)
        if live is not None and matches(comparable(manifest), live):
            return "unchanged"
        what = self._describe(kind_name, name, namespace)
        try:
            self._call(
                "PATCH",
                kind.path(namespace, name),
                query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
                body=manifest,
                content_type="application/apply-patch+yaml",
            )
        except _ERRORS as exc:
            raise translate_api_error(exc, "apply", what) from exc
        self.writes += 1
        return "created" if live is None else "updated"

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete the object (dependents in the background); False when it was already gone."""
        path = self._kind(kind).path(namespace, name)
        try:
            self._call("DELETE", path, query=[("propagationPolicy", "Background")])
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise translate_api_error(exc, "delete", self._describe(kind, name, namespace)) from exc
        except _ERRORS as exc:
            raise translate_api_error(exc, "delete", self._describe(kind, name, namespace)) from exc
        self.writes += 1
        return True

    def patch_status(
        self, kind: str, name: str, status: dict[str, Any], namespace: str | None = None
    ) -> None:
        """Merge ``status`` into the object's status subresource (one write)."""
        path = self._kind(kind).path(namespace, name) + "/status"
        what = self._describe(kind, name, namespace)
        try:
            self._call(
                "PATCH",
                path,
                body={"status": status},
                content_type="application/merge-patch+json",
            )
        except _ERRORS as exc:
            raise translate_api_error(exc, "update the status of", what) from exc
        self.writes += 1

    def wait_for_access(self, namespace: str, timeout: float = 10.0) -> None:
        """Return once our credentials may write Secrets in ``namespace`` (a RoleBinding
        just made there takes effect when the API server's authorizer has seen it)."""
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": "create",
                    "resource": "secrets",
                }
            },
        }
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = self._call(
                    "POST",
                    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                    body=review,
                )
            except _ERRORS as exc:
                raise translate_api_error(exc, "review", f"our access to {namespace}") from exc
            if (answer.get("status") or {}).get("allowed"):
                return
            if time.monotonic() > deadline:
                raise KubernetesForbidden(
                    f"not allowed to write in namespace {namespace} {timeout:.0f} s after "
                    "binding our project role there: is the operator's project ClusterRole "
                    "installed (TRE_OPERATOR_PROJECT_ROLE)?"
                )
            time.sleep(0.05)

    def list_names(self, kind: str, namespace: str | None, label_selector: str) -> list[str]:
        """Names of the objects of ``kind`` matching ``label_selector`` (empty: all), sorted."""
        path = self._kind(kind).path(namespace)
        what = f"{KINDS[kind].plural} in {namespace or 'the cluster'} ({label_selector})"
        try:
            listed = self._call("GET", path, query=[("labelSelector", label_selector)])
        except _ERRORS as exc:
            raise translate_api_error(exc, "list", what) from exc
        return sorted(str(item["metadata"]["name"]) for item in listed.get("items", []))
