"""A ResearchProject spec is parsed from its camelCase form, or refused field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.domain.projects.spec import InvalidProjectSpec, parse_project
from tests.unit.projects.examples import DOCS_EXAMPLE, example, spec


def problems(name: str = "diabetes", **changes: object) -> tuple[str, ...]:
    with pytest.raises(InvalidProjectSpec) as caught:
        parse_project(name, example(**changes))
    return caught.value.problems


def test_the_docs_example_parses_into_snake_case_fields() -> None:
    parsed = parse_project("diabetes", DOCS_EXAMPLE)
    assert parsed.display_name == "Diabetes cohort"
    assert parsed.tier == 3
    assert parsed.members[2].username == "ravi"
    assert parsed.members[2].roles == {"reviewer", "project_admin"}
    assert parsed.datasets[0].prefix == "2024/"
    assert parsed.compute_profiles[0].display_name == "Small"
    assert parsed.compute_profiles[0].gpu == 0
    assert parsed.expires_at == datetime(2027, 3, 31, tzinfo=UTC)
    assert parsed.export.approvals_required == 2
    assert parsed.network.dns == "cluster"
    assert parsed.retention == "keep"
    assert parsed.suspended is False


def test_optional_fields_take_their_defaults() -> None:
    parsed = spec(members=None, datasets=None, expiresAt=None, export=None, network=None)
    assert parsed.members == ()
    assert parsed.expires_at is None
    assert parsed.export.rule_set == "default"
    assert parsed.export.approvals_required == 2
    assert parsed.network.dns == "cluster"


def test_a_bad_memory_is_named_by_path_with_what_to_write() -> None:
    profiles = [
        {"name": "small", "displayName": "Small", "cpu": "1", "memory": "2Gi"},
        {"name": "big", "displayName": "Big", "cpu": "4", "memory": "2 GB"},
    ]
    assert problems(computeProfiles=profiles) == (
        "spec.computeProfiles[1].memory: '2 GB' is not a Kubernetes quantity; write e.g. 2Gi",
    )


def test_every_bad_field_is_reported_at_once() -> None:
    found = problems(
        "Not_A_Label",
        tier=7,
        storageQuota="lots",
        export={"approvalsRequired": 0},
        images=["Not An Image"],
        colour="blue",
    )
    assert [p.split(":")[0] for p in found] == [
        "metadata.name",
        "spec.tier",
        "spec.storageQuota",
        "spec.export.approvalsRequired",
        "spec.images",
        "spec.colour",
    ]
    assert "remove it" in found[-1]


def test_a_name_too_long_for_its_buckets_is_refused() -> None:
    assert parse_project("a" * 52, DOCS_EXAMPLE)
    (problem,) = problems("a" * 53)
    assert problem.startswith("metadata.name: ")
    assert "at most 52" in problem


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        (
            "members",
            [{"username": "al", "roles": ["researcher"]}] * 2,
            "'al' appears more than once",
        ),
        ("members", [{"username": "al", "roles": []}], "at least 1"),
        ("members", [{"username": "al", "roles": ["boss"]}], "'researcher', 'reviewer'"),
        ("expiresAt", "2027-03-31T00:00:00", "no time zone"),
        ("expiresAt", "next year", "not a date and time"),
        ("datasets", [{"name": "d", "bucket": "Bad_Bucket"}], "not a valid bucket name"),
        ("datasets", [{"name": "d", "bucket": "ok-bucket", "prefix": "/abs"}], "not a key prefix"),
        ("network", {"dns": "google"}, "'cluster' or 'none'"),
        ("retention", "shred", "'keep', 'archive' or 'delete'"),
        ("images", [], "at least 1"),
        ("computeProfiles", [], "at least 1"),
    ],
)
def test_bad_values_are_refused_with_a_reason(field: str, value: object, says: str) -> None:
    (problem,) = problems(**{field: value})
    assert problem.startswith(f"spec.{field}")
    assert says in problem


def test_at_most_one_profile_is_default_and_otherwise_the_first() -> None:
    two = [
        {"name": "a", "displayName": "A", "cpu": "1", "memory": "1Gi", "default": True},
        {"name": "b", "displayName": "B", "cpu": "1", "memory": "1Gi", "default": True},
    ]
    (problem,) = problems(computeProfiles=two)
    assert "a, b are all marked default" in problem
    none = [{**p, "default": False} for p in two]
    assert spec(computeProfiles=none).default_profile.name == "a"
    assert spec(computeProfiles=[two[0], none[1]][::-1]).default_profile.name == "a"


def test_images_accept_registries_ports_tags_and_digests() -> None:
    images = [
        "jupyter/base-notebook",
        "registry.example.org:5000/team/workspace:2024.1",
        "ghcr.io/tre/ws@sha256:" + "a" * 64,
    ]
    assert spec(images=images).images == tuple(images)


def test_the_message_lists_every_problem_under_the_project() -> None:
    with pytest.raises(InvalidProjectSpec) as caught:
        parse_project("diabetes", example(tier="three"))
    assert str(caught.value) == (
        "ResearchProject 'diabetes' is invalid:\n  - spec.tier: 'three' is not a whole number"
    )


def test_a_missing_required_field_points_to_the_reference() -> None:
    (problem,) = problems(storageQuota=None)
    assert problem == "spec.storageQuota: is required; see docs/research-projects.md"
