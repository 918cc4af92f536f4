"""Object-storage access policies as data: which buckets an identity may read or write.

Pure builders of IAM policy documents (the JSON dialect S3-compatible stores accept
through ``PutUserPolicy``). A project's storage identity gets exactly the buckets its
spec names; everything else is denied by default because nothing else is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

READ_ACTIONS = ("s3:GetObject", "s3:ListBucket")
WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject")

# S3 bucket naming rules (the subset every S3-compatible store enforces).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class InvalidBucketGrant(ValueError):
    """A bucket grant that cannot be expressed as a policy; the message says why."""


@dataclass(frozen=True)
class BucketGrant:
    """Access to one bucket: always read and list; write only when ``writable``."""

    bucket: str
    writable: bool = False


def check_bucket_name(name: str) -> None:
    """Raise when ``name`` is not a valid S3 bucket name."""
    if not _BUCKET.match(name) or ".." in name:
        raise InvalidBucketGrant(
            f"{name!r} is not a valid bucket name: use 3-63 lower-case letters, digits, "
            "dots or hyphens, starting and ending with a letter or digit"
        )


def make_bucket_policy(grants: tuple[BucketGrant, ...]) -> dict[str, Any]:
    """The policy document allowing exactly ``grants`` (one statement per bucket)."""
    if not grants:
        raise InvalidBucketGrant("a storage policy needs at least one bucket grant")
    statements: list[dict[str, Any]] = []
    for grant in grants:
        check_bucket_name(grant.bucket)
        actions = list(READ_ACTIONS) + (list(WRITE_ACTIONS) if grant.writable else [])
        statements.append(
            {
                "Effect": "Allow",
                "Action": actions,
                "Resource": [
                    f"arn:aws:s3:::{grant.bucket}",
                    f"arn:aws:s3:::{grant.bucket}/*",
                ],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
