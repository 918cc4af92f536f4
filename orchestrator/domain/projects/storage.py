"""The bucket policy of a project's storage identity.

Workspaces read the project's inputs bucket and its datasets (limited to each
dataset's prefix) and read and write its outbox, from which the airlock takes exports.
Nothing else is allowed, so nothing else is reachable.
"""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.spec import ProjectSpec
from orchestrator.domain.storage_policies import BucketGrant, make_bucket_policy


def project_grants(project: str, spec: ProjectSpec) -> tuple[BucketGrant, ...]:
    """The project's grants: inputs and datasets read-only, the outbox read-write."""
    return (
        BucketGrant(naming.inputs_bucket(project)),
        BucketGrant(naming.outbox_bucket(project), writable=True),
        *(BucketGrant(d.bucket, prefix=d.prefix) for d in spec.datasets),
    )


def make_project_storage_policy(project: str, spec: ProjectSpec) -> dict[str, Any]:
    """The policy document for :func:`~naming.storage_identity_name` of ``project``."""
    return make_bucket_policy(project_grants(project, spec))
