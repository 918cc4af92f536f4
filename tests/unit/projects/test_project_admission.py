"""What a project may ask of the platform: images from allowed registries (by digest from
tier 2 up), and no platform or other project's bucket."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestrator.domain.projects.admission import (
    check_project_against_platform,
    is_allowed_image,
    platform_problems,
    repository,
)
from orchestrator.domain.projects.spec import InvalidProjectSpec
from tests.unit.projects.examples import PLATFORM, spec

DIGEST = "@sha256:" + "0" * 64


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("quay.io/jupyter/scipy-notebook:2025-01-20", "quay.io/jupyter/scipy-notebook"),
        ("quay.io/jupyter/scipy-notebook" + DIGEST, "quay.io/jupyter/scipy-notebook"),
        ("localhost:5000/team/nb:1" + DIGEST, "localhost:5000/team/nb"),
        ("ubuntu:24.04", "ubuntu"),
    ],
)
def test_the_repository_is_the_reference_without_tag_and_digest(image: str, expected: str) -> None:
    assert repository(image) == expected


@pytest.mark.parametrize(
    ("image", "allowed"),
    [
        ("quay.io/jupyter/scipy-notebook:1", True),
        ("quay.io/jupyter:1", True),
        ("quay.io/jupyterx/scipy-notebook:1", False),
        ("quay.io/other/jupyter/scipy-notebook:1", False),
        ("evil.example/quay.io/jupyter/nb:1", False),
        ("quay.io:8443/jupyter/nb:1", False),
        ("ghcr.io/anything/at/all:1", True),
        ("scipy-notebook:1", False),
    ],
)
def test_images_are_allowed_by_whole_path_components(image: str, allowed: bool) -> None:
    assert is_allowed_image(image, ("quay.io/jupyter", "ghcr.io/")) is allowed


def test_nothing_is_allowed_when_no_registry_is() -> None:
    assert not is_allowed_image("quay.io/jupyter/nb:1", ())


def test_an_image_from_another_registry_is_refused_naming_the_allowed_ones() -> None:
    project = spec(tier=1, images=["docker.io/attacker/nb:1"])

    assert platform_problems("diabetes", project, PLATFORM) == (
        "spec.images[0]: 'docker.io/attacker/nb:1' is not from an allowed registry; "
        "the platform allows images from ghcr.io/tre-orchestrator",
    )


def test_from_tier_two_up_images_must_be_pinned_by_digest() -> None:
    tagged = "ghcr.io/tre-orchestrator/workspace:0.1.0"
    assert platform_problems("diabetes", spec(tier=1, images=[tagged]), PLATFORM) == ()
    assert platform_problems("diabetes", spec(tier=2, images=[tagged + DIGEST]), PLATFORM) == ()
    assert platform_problems("diabetes", spec(tier=2, images=[tagged]), PLATFORM) == (
        "spec.images[0]: 'ghcr.io/tre-orchestrator/workspace:0.1.0' has no digest; tier 2 "
        "projects pin every image, write e.g. "
        "ghcr.io/tre-orchestrator/workspace@sha256:<64 hex digits>",
    )


def test_datasets_may_not_name_platform_or_other_projects_buckets() -> None:
    project = spec(
        images=["ghcr.io/tre-orchestrator/workspace" + DIGEST],
        datasets=[
            {"name": "quarantine", "bucket": "tre-airlock-quarantine"},
            {"name": "archive", "bucket": "tre-archive"},
            {"name": "other", "bucket": "tre-genomics-outbox"},
            {"name": "own", "bucket": "tre-diabetes-inputs"},
            {"name": "cohort", "bucket": "nhs-cohort"},
        ],
    )

    problems = platform_problems("diabetes", project, PLATFORM)

    own_buckets = "tre-airlock-quarantine, tre-airlock-release, tre-archive"
    assert problems == (
        f"spec.datasets[0].bucket: 'tre-airlock-quarantine' is one of the platform's own "
        f"buckets ({own_buckets}); a dataset must be in a bucket of its own",
        f"spec.datasets[1].bucket: 'tre-archive' is one of the platform's own "
        f"buckets ({own_buckets}); a dataset must be in a bucket of its own",
        "spec.datasets[2].bucket: 'tre-genomics-outbox' belongs to project 'genomics'; "
        "a project may not read another project's files",
    )


def test_the_check_raises_listing_every_problem() -> None:
    project = spec(tier=3, images=["docker.io/x/y:1"])
    platform = replace(PLATFORM, allowed_registries=())

    with pytest.raises(InvalidProjectSpec) as raised:
        check_project_against_platform("diabetes", project, platform)

    assert raised.value.problems == (
        "spec.images[0]: 'docker.io/x/y:1' is not from an allowed registry; the platform "
        "allows images from none (set TRE_OPERATOR_ALLOWED_REGISTRIES)",
        "spec.images[0]: 'docker.io/x/y:1' has no digest; tier 3 projects pin every image, "
        "write e.g. docker.io/x/y@sha256:<64 hex digits>",
    )
