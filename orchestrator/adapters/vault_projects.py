"""A project's place in Vault/OpenBao: its policy, its Kubernetes login role, its secrets.

Every ``ensure_*``/``put_*`` method reads first and writes only when the stored value
differs, returning whether it wrote, so a second reconcile of an unchanged project makes
no writes. Errors become :class:`VaultUnavailable` (unreachable, sealed, 5xx, rate
limited: the controller reports ``VaultReady=False`` and backs off), :class:`VaultRefused`
(403: our token may not do this) or :class:`VaultRejected` (400: the request is wrong).

Revoking a project's logins
    Kubernetes-auth logins all share the lease prefix ``auth/<mount>/login``, so
    ``sys/leases/revoke-prefix`` would end every project's sessions, not one. Instead
    :meth:`VaultProjects.revoke_project_logins` lists token accessors
    (``LIST auth/token/accessors``, which needs ``sudo``), looks each one up and revokes
    those whose login path is this mount and whose ``role`` metadata is the project's
    role. That is one lookup per live token: fine for the hundreds of tokens a TRE holds.
    Only service tokens are listed, which is what Kubernetes-auth roles issue by default.

The controller's own Vault policy therefore needs, besides the mounts it manages:
``sys/mounts/*``, ``sys/auth/*``, ``sys/policies/acl/*``, ``auth/<mount>/config``,
``auth/<mount>/role/*``, ``<kv>/data/*``, ``<kv>/metadata/*``,
``auth/token/accessors`` (list, sudo), ``auth/token/lookup-accessor`` and
``auth/token/revoke-accessor`` (update).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import hvac
import hvac.exceptions
import requests.exceptions

FINGERPRINT_PATH = "controller/kubernetes-auth"
"""KV path (in the kv mount) where the reviewer JWT's SHA-256 is kept: Vault never returns the JWT."""
_KV_READY_TIMEOUT = 30.0


class VaultFailure(Exception):
    """Base of the Vault errors of this adapter."""


class VaultUnavailable(VaultFailure):
    """Vault cannot be reached, is sealed or failed on its side: retry later."""


class VaultRefused(VaultFailure):
    """Vault refused (403) the call; the message says which path and operation."""


class VaultRejected(VaultFailure):
    """Vault rejected the request as invalid (400); the message carries Vault's reason."""


_UNAVAILABLE = (
    requests.exceptions.RequestException,
    hvac.exceptions.VaultDown,
    hvac.exceptions.InternalServerError,
    hvac.exceptions.BadGateway,
    hvac.exceptions.RateLimitExceeded,
)


def _translate(exc: Exception, what: str) -> VaultFailure:
    if isinstance(exc, _UNAVAILABLE):
        return VaultUnavailable(f"{what}: Vault is unavailable ({type(exc).__name__}: {exc})")
    if isinstance(exc, hvac.exceptions.Forbidden):
        return VaultRefused(f"{what}: Vault refused our token permission ({exc})")
    return VaultRejected(f"{what}: Vault rejected the request ({type(exc).__name__}: {exc})")


_ERRORS: tuple[type[Exception], ...] = (
    hvac.exceptions.VaultError,
    requests.exceptions.RequestException,
)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class VaultProjects:
    """Per-project policies, Kubernetes login roles and KV secrets, written only when they differ."""

    def __init__(
        self, client: hvac.Client, kv_mount: str = "tre", kubernetes_mount: str = "kubernetes"
    ) -> None:
        self._client = client
        self.kv_mount = kv_mount
        self.kubernetes_mount = kubernetes_mount

    # Engines and the Kubernetes auth method

    def ensure_engines(self) -> bool:
        """Enable KV v2 at the kv mount and the Kubernetes auth method if missing.

        Returns True when it enabled anything. A new KV v2 mount refuses writes for a
        moment while it upgrades; this waits (bounded) until it serves requests.
        """
        what = f"enabling KV v2 at {self.kv_mount}/ and kubernetes auth at {self.kubernetes_mount}/"
        wrote = False
        try:
            mounts: dict[str, Any] = self._client.sys.list_mounted_secrets_engines()
            if f"{self.kv_mount}/" not in mounts.get("data", mounts):
                self._client.sys.enable_secrets_engine(
                    "kv", path=self.kv_mount, options={"version": "2"}
                )
                wrote = True
            methods: dict[str, Any] = self._client.sys.list_auth_methods()
            if f"{self.kubernetes_mount}/" not in methods.get("data", methods):
                self._client.sys.enable_auth_method("kubernetes", path=self.kubernetes_mount)
                wrote = True
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        if wrote:
            self._wait_for_kv(what)
        return wrote

    def _wait_for_kv(self, what: str) -> None:
        deadline = time.monotonic() + _KV_READY_TIMEOUT
        while True:
            try:
                self._client.secrets.kv.v2.read_configuration(mount_point=self.kv_mount)
                return
            except _ERRORS as exc:
                if time.monotonic() > deadline:
                    raise _translate(exc, f"{what} (waiting for the KV mount)") from exc
                time.sleep(0.1)

    def configure_kubernetes_auth(self, host: str, ca_pem: str, reviewer_jwt: str) -> bool:
        """Point the Kubernetes auth method at the API server; True when it wrote.

        Vault never returns the reviewer JWT, so its SHA-256 is kept at
        :data:`FINGERPRINT_PATH` in the kv mount and compared instead. Pass a long-lived
        reviewer token (or rotate it on purpose): a fresh short-lived token per call
        would be written every time.
        """
        what = f"configuring kubernetes auth at {self.kubernetes_mount}/"
        fingerprint = {"reviewer_jwt_sha256": _sha256(reviewer_jwt)}
        try:
            current = self._client.auth.kubernetes.read_config(mount_point=self.kubernetes_mount)
        except hvac.exceptions.InvalidPath:
            current = None
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        if (
            current is not None
            and current.get("kubernetes_host") == host
            and (current.get("kubernetes_ca_cert") or "").strip() == ca_pem.strip()
            and self.read_secret(FINGERPRINT_PATH) == fingerprint
        ):
            return False
        try:
            self._client.auth.kubernetes.configure(
                kubernetes_host=host,
                kubernetes_ca_cert=ca_pem,
                token_reviewer_jwt=reviewer_jwt,
                mount_point=self.kubernetes_mount,
            )
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        self.put_secret(FINGERPRINT_PATH, fingerprint)
        return True

    # Per-project objects

    def ensure_policy(self, name: str, hcl: str) -> bool:
        """Create or replace the ACL policy ``name`` unless it already reads ``hcl``."""
        what = f"writing policy {name}"
        try:
            current = self._client.sys.read_policy(name)
        except hvac.exceptions.InvalidPath:
            current = None
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        if current is not None and (current.get("data", current).get("rules") or "") == hcl:
            return False
        try:
            self._client.sys.create_or_update_policy(name, hcl)
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        return True

    def ensure_role(
        self,
        role: str,
        *,
        service_account: str,
        namespace: str,
        policies: list[str],
        ttl_seconds: int,
        audience: str | None,
        max_ttl_seconds: int | None = None,
        no_default_policy: bool = False,
    ) -> bool:
        """A Kubernetes login role for exactly one ServiceAccount; True when it wrote.

        ``audience`` is the ``aud`` a login token must carry (None: any). Tokens it issues
        last ``ttl_seconds``, renewable up to ``max_ttl_seconds`` (None: the mount's
        default); ``no_default_policy`` leaves Vault's ``default`` policy off them.
        """
        what = f"writing kubernetes auth role {role}"
        try:
            current = self._client.auth.kubernetes.read_role(
                role, mount_point=self.kubernetes_mount
            )
        except hvac.exceptions.InvalidPath:
            current = None
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        if current is not None and (
            current.get("bound_service_account_names") == [service_account]
            and current.get("bound_service_account_namespaces") == [namespace]
            and sorted(current.get("token_policies") or []) == sorted(policies)
            and current.get("token_ttl") == ttl_seconds
            and (current.get("audience") or None) == audience
            and (current.get("token_max_ttl") or None) == max_ttl_seconds
            and bool(current.get("token_no_default_policy")) == no_default_policy
        ):
            return False
        try:
            # Every field is sent, empty ones included, so a value dropped from the
            # desired role (an audience, a max TTL) is cleared rather than kept.
            self._client.write_data(
                f"auth/{self.kubernetes_mount}/role/{role}",
                data={
                    "bound_service_account_names": [service_account],
                    "bound_service_account_namespaces": [namespace],
                    "token_policies": policies,
                    "token_ttl": ttl_seconds,
                    "token_max_ttl": max_ttl_seconds or 0,
                    "token_no_default_policy": no_default_policy,
                    "audience": audience or "",
                },
            )
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        return True

    def put_secret(self, path: str, data: dict[str, str]) -> bool:
        """Write ``data`` as the latest version at ``path`` unless it already is; True when it wrote."""
        if self.read_secret(path) == data:
            return False
        try:
            self._client.secrets.kv.v2.create_or_update_secret(
                path=path, secret=data, mount_point=self.kv_mount
            )
        except _ERRORS as exc:
            raise _translate(exc, f"writing secret {self.kv_mount}/{path}") from exc
        return True

    def read_secret(self, path: str) -> dict[str, str] | None:
        """The latest version at ``path``, or None when there is none (or it was deleted)."""
        try:
            response = self._client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.kv_mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath:
            return None
        except _ERRORS as exc:
            raise _translate(exc, f"reading secret {self.kv_mount}/{path}") from exc
        data: dict[str, str] = response["data"]["data"]
        return data

    # Removal

    def revoke_project_logins(self, role: str) -> int:
        """Revoke every token issued by logging in with ``role``; return how many.

        Scans token accessors (see the module docstring for why not a lease prefix).
        """
        what = f"revoking the logins of role {role}"
        login_path = f"auth/{self.kubernetes_mount}/login"
        try:
            listed = self._client.list("auth/token/accessors")
        except hvac.exceptions.InvalidPath:
            return 0
        except _ERRORS as exc:
            raise _translate(exc, what) from exc
        accessors: list[str] = (listed or {}).get("data", {}).get("keys", [])
        revoked = 0
        for accessor in accessors:
            try:
                token = self._client.auth.token.lookup_accessor(accessor)["data"]
            except hvac.exceptions.InvalidRequest:
                continue  # expired or revoked since it was listed
            except _ERRORS as exc:
                raise _translate(exc, what) from exc
            meta = token.get("meta") or {}
            if not str(token.get("path", "")).startswith(login_path) or meta.get("role") != role:
                continue
            try:
                self._client.auth.token.revoke_accessor(accessor)
            except hvac.exceptions.InvalidRequest:
                continue
            except _ERRORS as exc:
                raise _translate(exc, what) from exc
            revoked += 1
        return revoked

    def remove_project(self, policy: str, role: str, secret_path: str) -> None:
        """Remove a project from Vault: role, policy, live logins and secret (all versions).

        The role goes first so no new login can start; the policy next, which takes away
        access from live tokens at once; then the tokens themselves; then the secret.
        Anything already gone is skipped, so this can be run again.
        """
        try:
            self._client.auth.kubernetes.delete_role(role, mount_point=self.kubernetes_mount)
            self._client.sys.delete_policy(policy)
        except _ERRORS as exc:
            raise _translate(exc, f"removing role {role} and policy {policy}") from exc
        self.revoke_project_logins(role)
        try:
            self._client.secrets.kv.v2.delete_metadata_and_all_versions(
                path=secret_path, mount_point=self.kv_mount
            )
        except _ERRORS as exc:
            raise _translate(exc, f"deleting secret {self.kv_mount}/{secret_path}") from exc
