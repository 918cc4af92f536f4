"""Object-storage access policies as data: which buckets an identity may read or write.

Pure builders of IAM policy documents (the JSON dialect S3-compatible stores accept
through ``PutUserPolicy``). A project's storage identity gets exactly the buckets its
spec names; everything else is denied by default because nothing else is allowed.

With ``source_cidrs`` every statement also carries an ``IpAddress`` condition on
``aws:SourceIp``, so the same key is refused when it is used from anywhere else
(SeaweedFS enforces this for user policies and the session keys under them).
"""

from __future__ import annotations

import ipaddress
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
    """Access to one bucket: always read and list; write only when ``writable``.

    With a ``prefix`` (e.g. ``2024/``) the grant covers only keys under it: listing is
    limited to the prefix and objects elsewhere in the bucket stay out of reach.
    """

    bucket: str
    writable: bool = False
    prefix: str = ""


def check_bucket_name(name: str) -> None:
    """Raise when ``name`` is not a valid S3 bucket name."""
    if not _BUCKET.match(name) or ".." in name:
        raise InvalidBucketGrant(
            f"{name!r} is not a valid bucket name: use 3-63 lower-case letters, digits, "
            "dots or hyphens, starting and ending with a letter or digit"
        )


def check_source_cidr(cidr: str) -> None:
    """Raise when ``cidr`` is not an address range such as ``10.244.0.0/16``."""
    try:
        ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise InvalidBucketGrant(
            f"{cidr!r} is not an address range: write e.g. 10.244.0.0/16"
        ) from exc


def make_bucket_policy(
    grants: tuple[BucketGrant, ...], source_cidrs: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The policy document allowing exactly ``grants`` (one statement per bucket), only
    from ``source_cidrs`` when any are given."""
    if not grants:
        raise InvalidBucketGrant("a storage policy needs at least one bucket grant")
    for cidr in source_cidrs:
        check_source_cidr(cidr)
    statements: list[dict[str, Any]] = []
    for grant in grants:
        check_bucket_name(grant.bucket)
        statements.extend(_statements(grant))
    if source_cidrs:
        source = {"IpAddress": {"aws:SourceIp": list(source_cidrs)}}
        statements = [{**s, "Condition": {**s.get("Condition", {}), **source}} for s in statements]
    return {"Version": "2012-10-17", "Statement": statements}


def _statements(grant: BucketGrant) -> list[dict[str, Any]]:
    actions = list(READ_ACTIONS) + (list(WRITE_ACTIONS) if grant.writable else [])
    bucket = f"arn:aws:s3:::{grant.bucket}"
    if not grant.prefix:
        return [{"Effect": "Allow", "Action": actions, "Resource": [bucket, f"{bucket}/*"]}]
    if grant.prefix.startswith("/") or "*" in grant.prefix or ".." in grant.prefix.split("/"):
        raise InvalidBucketGrant(
            f"{grant.prefix!r} is not a key prefix: write e.g. 2024/ (no leading /, .. or *)"
        )
    return [
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [bucket],
            "Condition": {"StringLike": {"s3:prefix": [f"{grant.prefix}*"]}},
        },
        {
            "Effect": "Allow",
            "Action": [a for a in actions if a != "s3:ListBucket"],
            "Resource": [f"{bucket}/{grant.prefix}*"],
        },
    ]
