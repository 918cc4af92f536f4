"""Bucket policies allow exactly the buckets granted, read-only unless writable."""

from __future__ import annotations

import pytest

from orchestrator.domain.storage_policies import (
    BucketGrant,
    InvalidBucketGrant,
    check_bucket_name,
    make_bucket_policy,
)


def test_policy_grants_read_on_one_bucket_and_write_on_another() -> None:
    policy = make_bucket_policy(
        (BucketGrant("proj-a-data"), BucketGrant("proj-a-work", writable=True))
    )
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::proj-a-data", "arn:aws:s3:::proj-a-data/*"],
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject"],
                "Resource": ["arn:aws:s3:::proj-a-work", "arn:aws:s3:::proj-a-work/*"],
            },
        ],
    }


def test_a_policy_without_buckets_is_refused() -> None:
    with pytest.raises(InvalidBucketGrant, match="at least one bucket"):
        make_bucket_policy(())


@pytest.mark.parametrize(
    "name", ["*", "a", "Upper", "has_underscore", "-start", "end-", "a..b", "x" * 64]
)
def test_names_that_would_widen_or_break_a_policy_are_refused(name: str) -> None:
    with pytest.raises(InvalidBucketGrant, match="not a valid bucket name"):
        check_bucket_name(name)
    with pytest.raises(InvalidBucketGrant):
        make_bucket_policy((BucketGrant(name),))


def test_a_prefix_limits_listing_and_reading_to_keys_under_it() -> None:
    policy = make_bucket_policy((BucketGrant("nhs-cohort", prefix="2024/"),))
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": ["arn:aws:s3:::nhs-cohort"],
            "Condition": {"StringLike": {"s3:prefix": ["2024/*"]}},
        },
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::nhs-cohort/2024/*"],
        },
    ]


@pytest.mark.parametrize("prefix", ["/abs", "a/../b", "data*"])
def test_prefixes_that_would_widen_a_grant_are_refused(prefix: str) -> None:
    with pytest.raises(InvalidBucketGrant, match="not a key prefix"):
        make_bucket_policy((BucketGrant("ok-bucket", prefix=prefix),))


def test_source_ranges_condition_every_statement_prefix_conditions_included() -> None:
    policy = make_bucket_policy(
        (BucketGrant("tre-a-outbox", writable=True), BucketGrant("data", prefix="2024/")),
        source_cidrs=("10.244.0.0/16",),
    )
    source = {"aws:SourceIp": ["10.244.0.0/16"]}
    assert [s.get("Condition") for s in policy["Statement"]] == [
        {"IpAddress": source},
        {"StringLike": {"s3:prefix": ["2024/*"]}, "IpAddress": source},
        {"IpAddress": source},
    ]


def test_a_source_range_that_is_not_an_address_range_is_refused() -> None:
    with pytest.raises(InvalidBucketGrant, match=r"'10\.0\.0\.300/8' is not an address range"):
        make_bucket_policy((BucketGrant("tre-a-inputs"),), source_cidrs=("10.0.0.300/8",))
