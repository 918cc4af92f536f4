"""Storage identities (users, access keys, inline policies) through the S3 store's IAM API.

SeaweedFS serves an AWS-IAM-compatible API on the same port as S3 (when started with
``-s3.iam.readOnly=false``): form-encoded POSTs to ``/`` signed with Signature V4 for
service ``iam``. This adapter covers the handful of calls a project's lifecycle needs:
create a user, give it an access key, attach a policy limited to its buckets, list and
delete. Errors from the store or the network become :class:`StorageIdentityError`.

Session keys are SeaweedFS *service accounts* (``CreateServiceAccount``, an extension of
the IAM API): a key pair under a parent user, with the parent's inline policy and an
expiry the store enforces itself (after it, the key is refused as ``AccessDenied``).
Deleting one takes effect at once. A user with service accounts cannot be deleted, so
:meth:`StorageIdentities.delete_user` deletes them first.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode

import httpx

from orchestrator.adapters.sigv4 import SigningKey, sign_headers

IAM_VERSION = "2010-05-08"
_NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"


class StorageIdentityError(RuntimeError):
    """The identity API refused a call or could not be reached; the message says which and why."""


class StorageIdentityNotFound(StorageIdentityError):
    """The user or key named in the call does not exist."""


class StorageIdentityUnavailable(StorageIdentityError):
    """The identity API could not be reached or failed on its side (5xx): worth a retry."""


@dataclass(frozen=True)
class AccessKeyPair:
    """A newly created access key. The secret is only ever returned once, at creation."""

    user: str
    access_key: str
    secret_key: str = field(repr=False)


@dataclass(frozen=True)
class SessionKey:
    """A service account: a key pair under ``user`` that the store refuses after ``expires_at``."""

    user: str
    id: str
    description: str
    access_key: str
    expires_at: datetime
    secret_key: str = field(default="", repr=False)
    """Only known when the key is created; empty when listed."""


def _text(root: ET.Element, tag: str) -> str:
    """The text of the first ``tag`` element anywhere under ``root`` (namespaced or not)."""
    for candidate in (f".//{_NS}{tag}", f".//{tag}"):
        found = root.find(candidate)
        if found is not None and found.text is not None:
            return found.text
    raise StorageIdentityError(f"the identity API answered without a {tag} element")


def _all_text(root: ET.Element, tag: str) -> list[str]:
    return [e.text or "" for e in root.iter() if e.tag in (f"{_NS}{tag}", tag)]


@dataclass
class StorageIdentities:
    """Client of the IAM-compatible identity API of an S3 endpoint (``http://host:port``)."""

    url: str
    admin_access_key: str
    admin_secret_key: str = field(repr=False)
    timeout: float = 10.0
    region: str = "us-east-1"
    client: httpx.Client | None = field(default=None, repr=False)
    """A client to reuse across calls (pooled connections, one TLS set-up); None: one
    short-lived client per call."""

    def _call(self, action: str, **params: str) -> ET.Element:
        body = urlencode({"Action": action, "Version": IAM_VERSION, **params}).encode()
        endpoint = self.url.rstrip("/") + "/"
        headers = sign_headers(
            SigningKey(self.admin_access_key, self.admin_secret_key, self.region, "iam"),
            "POST",
            endpoint,
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            body,
            datetime.now(UTC),
        )
        try:
            post = self.client.post if self.client is not None else httpx.post
            response = post(endpoint, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise StorageIdentityUnavailable(
                f"could not reach the storage identity API at {endpoint} for {action}: {exc}"
            ) from exc
        if response.status_code >= 500 and not response.content.lstrip().startswith(b"<"):
            raise StorageIdentityUnavailable(
                f"{action} at {endpoint} failed on the store's side: HTTP {response.status_code}"
            )
        try:
            # The document comes from our own storage endpoint, authenticated by signature.
            root = ET.fromstring(response.content)  # noqa: S314
        except ET.ParseError as exc:
            raise StorageIdentityError(
                f"{action} at {endpoint} answered HTTP {response.status_code} with a body that is not XML"
            ) from exc
        if response.status_code >= 400:
            code = next(iter(_all_text(root, "Code")), "")
            message = next(iter(_all_text(root, "Message")), response.text[:200])
            error: type[StorageIdentityError] = StorageIdentityError
            if code == "NoSuchEntity":
                error = StorageIdentityNotFound
            elif response.status_code >= 500:
                error = StorageIdentityUnavailable
            raise error(f"{action} was refused ({response.status_code} {code}): {message}")
        return root

    def create_user(self, user: str) -> None:
        """Create ``user``; an existing user with the same name is left as it is."""
        try:
            self._call("CreateUser", UserName=user)
        except StorageIdentityError as exc:
            if "EntityAlreadyExists" not in str(exc):
                raise

    def delete_user(self, user: str) -> None:
        """Delete ``user`` with its session keys, keys and policies; a missing user is not an error."""
        try:
            for session in self.list_session_keys(user):
                self.delete_session_key(session.id)
            for key in self.list_access_keys(user):
                self._call("DeleteAccessKey", UserName=user, AccessKeyId=key)
            self._call("DeleteUser", UserName=user)
        except StorageIdentityNotFound:
            return

    def user_exists(self, user: str) -> bool:
        """Whether ``user`` exists (one lookup, unlike listing every user)."""
        try:
            self._call("GetUser", UserName=user)
        except StorageIdentityNotFound:
            return False
        return True

    def list_users(self) -> list[str]:
        return _all_text(self._call("ListUsers"), "UserName")

    def create_access_key(self, user: str) -> AccessKeyPair:
        """A new key pair for ``user`` (the secret is not retrievable later)."""
        root = self._call("CreateAccessKey", UserName=user)
        return AccessKeyPair(
            user=user,
            access_key=_text(root, "AccessKeyId"),
            secret_key=_text(root, "SecretAccessKey"),
        )

    def list_access_keys(self, user: str) -> list[str]:
        return _all_text(self._call("ListAccessKeys", UserName=user), "AccessKeyId")

    def delete_access_key(self, user: str, access_key: str) -> None:
        self._call("DeleteAccessKey", UserName=user, AccessKeyId=access_key)

    def put_user_policy(self, user: str, name: str, document: dict[str, Any]) -> None:
        """Attach (or replace) the inline policy ``name`` on ``user``."""
        self._call(
            "PutUserPolicy",
            UserName=user,
            PolicyName=name,
            PolicyDocument=json.dumps(document, separators=(",", ":")),
        )

    def get_user_policy(self, user: str, name: str) -> dict[str, Any] | None:
        """The inline policy ``name`` of ``user`` as a document, or None when it has none.

        AWS returns the document URL-encoded; SeaweedFS returns it as plain JSON. Both are read.
        """
        try:
            root = self._call("GetUserPolicy", UserName=user, PolicyName=name)
        except StorageIdentityNotFound:
            return None
        text = _text(root, "PolicyDocument")
        if text.lstrip().startswith("%"):
            text = unquote(text)
        try:
            document: dict[str, Any] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StorageIdentityError(
                f"the policy {name} of {user} is not a JSON document: {text[:100]!r}"
            ) from exc
        return document

    # Session keys (service accounts)

    def create_session_key(self, user: str, description: str, expires_at: datetime) -> SessionKey:
        """A new key pair under ``user``, with its policy, refused by the store after ``expires_at``."""
        root = self._call(
            "CreateServiceAccount",
            ParentUser=user,
            Description=description,
            Expiration=str(int(expires_at.timestamp())),
        )
        return SessionKey(
            user=user,
            id=_text(root, "ServiceAccountId"),
            description=description,
            access_key=_text(root, "AccessKeyId"),
            expires_at=_timestamp(_text(root, "Expiration")),
            secret_key=_text(root, "SecretAccessKey"),
        )

    def list_session_keys(self, user: str) -> list[SessionKey]:
        """The session keys of ``user`` (without their secrets), expired ones included."""
        root = self._call("ListServiceAccounts", ParentUser=user)
        keys = []
        for member in root.iter():
            if member.tag not in (f"{_NS}member", "member"):
                continue
            parent = _text(member, "ParentUser")
            if parent != user:
                continue
            keys.append(
                SessionKey(
                    user=parent,
                    id=_text(member, "ServiceAccountId"),
                    description=next(iter(_all_text(member, "Description")), ""),
                    access_key=_text(member, "AccessKeyId"),
                    expires_at=_timestamp(_text(member, "Expiration")),
                )
            )
        return keys

    def delete_session_key(self, key_id: str) -> None:
        """Delete the session key ``key_id``; the store refuses it from then on."""
        self._call("DeleteServiceAccount", ServiceAccountId=key_id)


def _timestamp(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise StorageIdentityError(
            f"the identity API answered a time that is not ISO 8601: {text!r}"
        ) from exc
