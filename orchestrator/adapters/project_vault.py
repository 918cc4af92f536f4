"""A project's Vault objects: policy, Kubernetes-auth login role, KV v2 secret, logins.

Every ``ensure_*`` reads first and writes only when something differs, so an unchanged
project costs reads only. :meth:`ProjectVault.prepare` mounts the KV v2 engine and the
Kubernetes auth method (if missing) and points the latter at the cluster, with the
controller's own token as the reviewer.

Unreachable, sealed or failing servers (connection errors, 429, 5xx) become
:class:`VaultUnavailable`; other refusals become :class:`VaultRefused`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import hvac
import hvac.exceptions
import requests

T = TypeVar("T")
LOGIN_PATH = "auth/{mount}/login"
REPREPARE_SECONDS = 600.0


class VaultUnavailable(RuntimeError):
    """Vault could not be reached, is sealed, or failed; try again later."""


class VaultRefused(RuntimeError):
    """Vault refused a call (permissions, bad input); the message says which and why."""


@dataclass
class ProjectVault:
    """Vault as the project controller uses it (one token, one KV and one auth mount)."""

    url: str
    token: str = field(repr=False)
    kv_mount: str = "tre"
    auth_mount: str = "kubernetes"
    timeout: float = 10.0
    kubernetes: Callable[[], tuple[str, str | None, str | None]] | None = None
    """Where the cluster is for the Kubernetes auth method: (API URL, CA PEM, reviewer
    token), read when needed; None leaves the auth method as it is."""
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _prepared_at: float | None = field(default=None, init=False, repr=False)
    _prepare_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def client(self) -> hvac.Client:
        """One client per thread (``requests`` sessions are not shared across threads)."""
        client: hvac.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = hvac.Client(url=self.url, token=self.token, timeout=self.timeout)
            self._local.client = client
        return client

    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            hvac.exceptions.VaultDown,
            hvac.exceptions.InternalServerError,
            hvac.exceptions.BadGateway,
            hvac.exceptions.RateLimitExceeded,
        ) as exc:
            raise VaultUnavailable(f"Vault at {self.url} could not {what}: {exc}") from exc
        except hvac.exceptions.VaultError as exc:
            raise VaultRefused(f"Vault at {self.url} refused to {what}: {exc}") from exc

    def _read(self, path: str) -> dict[str, Any] | None:
        def read() -> dict[str, Any] | None:
            try:
                response = self.client.adapter.get(f"/v1/{path}")
            except hvac.exceptions.InvalidPath:
                return None
            data: dict[str, Any] | None = (response or {}).get("data")
            return data

        return self._call(f"read {path}", read)

    def _write(self, path: str, body: Mapping[str, Any]) -> None:
        self._call(
            f"write {path}", lambda: self.client.adapter.post(f"/v1/{path}", json=dict(body))
        )

    def _delete(self, path: str) -> bool:
        if self._read(path) is None:
            return False
        self._call(f"delete {path}", lambda: self.client.adapter.delete(f"/v1/{path}"))
        return True

    def ensure_prepared(self) -> None:
        """:meth:`prepare` once, and again every :data:`REPREPARE_SECONDS` (a rotated
        reviewer token, a restored Vault); retried on the next call if Vault is down."""
        if self.kubernetes is None:
            return
        with self._prepare_lock:
            now = time.monotonic()
            if self._prepared_at is not None and now - self._prepared_at < REPREPARE_SECONDS:
                return
            self.prepare(*self.kubernetes())
            self._prepared_at = now

    def prepare(self, kubernetes_host: str, ca_pem: str | None, reviewer_jwt: str | None) -> None:
        """Mount KV v2 and the Kubernetes auth method if missing; configure the latter."""
        mounts = self._call("list secrets engines", self.client.sys.list_mounted_secrets_engines)
        if f"{self.kv_mount}/" not in mounts.get("data", mounts):
            self._call(
                "mount the KV engine",
                lambda: self.client.sys.enable_secrets_engine(
                    "kv", path=self.kv_mount, options={"version": "2"}
                ),
            )
        methods = self._call("list auth methods", self.client.sys.list_auth_methods)
        if f"{self.auth_mount}/" not in methods.get("data", methods):
            self._call(
                "enable Kubernetes auth",
                lambda: self.client.sys.enable_auth_method("kubernetes", path=self.auth_mount),
            )
        config: dict[str, Any] = {"kubernetes_host": kubernetes_host}
        if ca_pem:
            config["kubernetes_ca_cert"] = ca_pem
        if reviewer_jwt:
            config["token_reviewer_jwt"] = reviewer_jwt
        self._write(f"auth/{self.auth_mount}/config", config)

    def ensure_policy(self, name: str, hcl: str) -> bool:
        self.ensure_prepared()
        current = self._read(f"sys/policies/acl/{name}")
        if current is not None and current.get("policy") == hcl:
            return False
        self._write(f"sys/policies/acl/{name}", {"policy": hcl})
        return True

    def ensure_role(self, name: str, body: Mapping[str, Any]) -> bool:
        path = f"auth/{self.auth_mount}/role/{name}"
        current = self._read(path)
        if current is not None and all(current.get(k) == v for k, v in body.items()):
            return False
        self._write(path, body)
        return True

    def delete_role(self, name: str) -> bool:
        return self._delete(f"auth/{self.auth_mount}/role/{name}")

    def delete_policy(self, name: str) -> bool:
        return self._delete(f"sys/policies/acl/{name}")

    def read_secret(self, path: str) -> dict[str, str] | None:
        data = self._read(f"{self.kv_mount}/data/{path}")
        if data is None or data.get("data") is None:
            return None
        secret: dict[str, str] = data["data"]
        return secret

    def write_secret(self, path: str, data: Mapping[str, str]) -> None:
        self._write(f"{self.kv_mount}/data/{path}", {"data": dict(data)})

    def delete_secret(self, path: str) -> bool:
        return self._delete(f"{self.kv_mount}/metadata/{path}")

    def _lookup(self, accessor: str) -> dict[str, Any]:
        try:
            info = self.client.adapter.post(
                "/v1/auth/token/lookup-accessor", json={"accessor": accessor}
            )
        except (hvac.exceptions.InvalidPath, hvac.exceptions.InvalidRequest):
            return {}  # expired or revoked since it was listed
        found: dict[str, Any] = (info or {}).get("data") or {}
        return found

    def _revoke(self, accessor: str) -> None:
        self.client.adapter.post("/v1/auth/token/revoke-accessor", json={"accessor": accessor})

    def revoke_logins(self, role: str) -> int:
        """Revoke every token issued by logging in with ``role``; how many there were."""

        def accessors() -> list[str]:
            try:
                listed = self.client.adapter.list("/v1/auth/token/accessors")
            except hvac.exceptions.InvalidPath:
                return []
            keys: list[str] = ((listed or {}).get("data") or {}).get("keys") or []
            return keys

        revoked = 0
        login = LOGIN_PATH.format(mount=self.auth_mount)
        for accessor in self._call("list tokens", accessors):
            data = self._call("look up a token", partial(self._lookup, accessor))
            if data.get("path") == login and (data.get("meta") or {}).get("role") == role:
                self._call("revoke a token", partial(self._revoke, accessor))
                revoked += 1
        return revoked
