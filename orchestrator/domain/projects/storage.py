"""The bucket policy of a project's storage identities, and who may hold a storage key.

Workspaces read the project's inputs bucket and its datasets (limited to each
dataset's prefix) and read and write its outbox, from which the airlock takes exports.
Nothing else is allowed, so nothing else is reachable. With the platform's workspace
address range set, the policy also refuses the key from anywhere else.

Keys are personal: each researcher has an identity of their own in the project
(:func:`~naming.member_storage_identity`), and each user server gets a key under it
that the store refuses after the platform's session lifetime.
"""

from __future__ import annotations

from typing import Any

from orchestrator.domain.access import Role
from orchestrator.domain.projects import naming
from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import ProjectSpec
from orchestrator.domain.storage_policies import BucketGrant, make_bucket_policy


def project_grants(project: str, spec: ProjectSpec) -> tuple[BucketGrant, ...]:
    """The project's grants: inputs and datasets read-only, the outbox read-write."""
    return (
        BucketGrant(naming.inputs_bucket(project)),
        BucketGrant(naming.outbox_bucket(project), writable=True),
        *(BucketGrant(d.bucket, prefix=d.prefix) for d in spec.datasets),
    )


def make_project_storage_policy(
    project: str, spec: ProjectSpec, platform: Platform | None = None
) -> dict[str, Any]:
    """The policy document of every storage identity of ``project``; from the platform's
    workspace address range only, when it has one."""
    cidrs = (platform.workspace_cidr,) if platform is not None and platform.workspace_cidr else ()
    return make_bucket_policy(project_grants(project, spec), source_cidrs=cidrs)


class StorageKeyRefused(Exception):
    """No storage key may be issued; the message says why."""


def storage_key_holders(spec: ProjectSpec) -> frozenset[str]:
    """The members who may hold a storage key: the project's researchers."""
    return frozenset(m.username for m in spec.members if Role.RESEARCHER in m.roles)


def check_may_hold_storage_key(
    project: str, spec: ProjectSpec, member: str, *, suspension: str | None
) -> None:
    """Raise :class:`StorageKeyRefused` unless ``member`` may get a key in ``project`` now."""
    if suspension is not None:
        raise StorageKeyRefused(f"project {project} is suspended ({suspension}): no storage keys")
    if member not in storage_key_holders(spec):
        raise StorageKeyRefused(
            f"{member!r} is not a researcher of project {project}: only researchers get storage keys"
        )
