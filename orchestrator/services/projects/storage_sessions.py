"""Personal, short-lived storage keys: issued per user server, revoked when it ends.

Each researcher of a project has a storage identity of their own
(:func:`~orchestrator.domain.projects.naming.member_storage_identity`) carrying the
project's bucket policy, and no key of its own. When a user server starts,
:func:`start_storage_session` issues a key under that identity for that server, which the
store itself refuses after the platform's session lifetime, and hands it to the server
in a Secret the server's pod owns. :func:`end_storage_session` deletes the key when the
server stops. :func:`revoke_storage_identities` deletes the identities (with every key)
of people who may no longer hold one: removed members, or everyone when the project is
suspended, and the keys of servers that are gone; the project reconcile calls it on
every pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.conditions import suspension
from orchestrator.domain.projects.manifests.storage_session import (
    IssuedKey,
    ServerPod,
    make_storage_session_secret,
)
from orchestrator.domain.projects.spec import ProjectSpec, parse_project
from orchestrator.domain.projects.storage import (
    check_may_hold_storage_key,
    make_project_storage_policy,
    storage_key_holders,
)
from orchestrator.services.projects.ports import ProjectPorts

log = logging.getLogger(__name__)


def issue_storage_key(
    project: str,
    spec: ProjectSpec,
    member: str,
    session: str,
    *,
    ports: ProjectPorts,
    now: datetime,
    suspension: str | None,
) -> IssuedKey:
    """A new key for ``member``'s ``session`` in ``project``, refused by the store after
    the platform's session lifetime.

    Raises :class:`~orchestrator.domain.projects.storage.StorageKeyRefused` when the
    member is not a researcher or the project is suspended.
    """
    check_may_hold_storage_key(project, spec, member, suspension=suspension)
    user = naming.member_storage_identity(project, member)
    ports.storage.ensure_member_identity(
        user, make_project_storage_policy(project, spec, ports.platform)
    )
    expires_at = now + timedelta(seconds=ports.platform.storage_session_seconds)
    key = ports.storage.issue_session_key(user, session, expires_at)
    log.info(
        "project %s: storage key %s issued to %s until %s",
        project,
        key.access_key,
        member,
        key.expires_at.isoformat(),
    )
    return IssuedKey(
        access_key=key.access_key, secret_key=key.secret_key, expires_at=key.expires_at
    )


def start_storage_session(
    pod: ServerPod, spec: Mapping[str, Any], *, ports: ProjectPorts, now: datetime
) -> bool:
    """Issue ``pod``'s key and store it in the pod's Secret, unless that pod has one
    already; True when it issued one.

    Raises :class:`~orchestrator.domain.projects.storage.StorageKeyRefused` when the
    pod's member may not hold a key, and the spec's own error when it is invalid.
    """
    namespace = naming.namespace_name(pod.project)
    existing = ports.objects.get("Secret", pod.secret_name, namespace)
    owners = ((existing or {}).get("metadata") or {}).get("ownerReferences") or ()
    if any(owner.get("uid") == pod.uid for owner in owners):
        return False  # a Secret left by an earlier pod of the same name is replaced
    parsed = parse_project(pod.project, spec)
    key = issue_storage_key(
        pod.project,
        parsed,
        pod.member,
        pod.session,
        ports=ports,
        now=now,
        suspension=suspension(parsed, now),
    )
    ports.objects.apply(make_storage_session_secret(pod, key))
    return True


def end_storage_session(pod: ServerPod, *, ports: ProjectPorts) -> int:
    """Revoke the keys issued for ``pod`` and delete its Secret; how many keys."""
    user = naming.member_storage_identity(pod.project, pod.member)
    revoked = ports.storage.end_session(user, pod.session)
    ports.objects.delete("Secret", pod.secret_name, naming.namespace_name(pod.project))
    if revoked:
        log.info(
            "project %s: storage key of %s's server %s revoked", pod.project, pod.member, pod.name
        )
    return revoked


def revoke_storage_identities(
    project: str, spec: ProjectSpec | None, *, ports: ProjectPorts, policy: dict[str, Any] | None
) -> list[str]:
    """Delete what nobody may hold any more in ``project``; what was deleted.

    ``spec`` None (suspended, or the project is going) revokes every identity; otherwise
    those of members who are no longer researchers go, those who stay get ``policy``
    (the spec's datasets may have changed), and their keys whose server is gone (it
    stopped while the operator was not watching, or the key expired) go too. The
    project-wide identity of earlier versions, whose key was shared by every
    researcher, goes in any case.
    """
    store = ports.storage
    keep = (
        set()
        if spec is None
        else {naming.member_storage_identity(project, m) for m in storage_key_holders(spec)}
    )
    legacy = naming.storage_identity_name(project)
    revoked = []
    for identity in store.list_identities():
        mine = naming.is_member_storage_identity(project, identity)
        if identity == legacy or (mine and identity not in keep):
            store.revoke_identity(identity)
            revoked.append(identity)
        elif mine and policy is not None:
            store.ensure_member_identity(identity, policy)
            revoked += _end_orphaned_sessions(project, identity, ports)
    return revoked


def _end_orphaned_sessions(project: str, identity: str, ports: ProjectPorts) -> list[str]:
    namespace = naming.namespace_name(project)
    ended = []
    for session in ports.storage.list_sessions(identity):
        name, _, uid = session.partition("/")
        pod = ports.objects.get("Pod", name, namespace)
        if pod is None or (pod.get("metadata") or {}).get("uid") != uid:
            ports.storage.end_session(identity, session)
            ended.append(f"{identity} session {session}")
    return ended
