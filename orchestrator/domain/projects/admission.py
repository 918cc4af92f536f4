"""What a project may ask of the platform: images from allowed registries, its own buckets.

A ResearchProject is written by whoever may create one, so its spec cannot be where the
limits live. The operator's settings hold them (:class:`~orchestrator.domain.projects.platform.Platform`):

* every image in ``spec.images`` comes from one of ``allowed_registries``, each a
  registry host or a registry path (``quay.io/jupyter`` allows
  ``quay.io/jupyter/minimal-notebook:2025-01-20``, not ``quay.io/jupyterx/…``);
  from tier 2 up, every image is pinned by digest (``@sha256:…``), so the bytes that
  run are the bytes that were approved;
* no dataset names a platform bucket (the airlock's quarantine and release buckets, the
  archive) or another project's bucket (``tre-<project>-inputs``, ``tre-<project>-outbox``
  of any other project, whether or not that project exists yet).

:func:`check_project_against_platform` lists every problem, each prefixed with the
field's path, as :func:`~orchestrator.domain.projects.spec.parse_project` does.
"""

from __future__ import annotations

from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import InvalidProjectSpec, ProjectSpec

DIGEST_TIER = 2
"""From this tier up, images must be pinned by digest."""
_PROJECT_BUCKET_SUFFIXES = ("-inputs", "-outbox")
_PROJECT_BUCKET_PREFIX = "tre-"


def repository(image: str) -> str:
    """The image reference without its digest and tag: ``registry[:port]/path``."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def is_allowed_image(image: str, allowed_registries: tuple[str, ...]) -> bool:
    """Whether ``image`` lies under one of ``allowed_registries`` (whole path components)."""
    repo = repository(image)
    for entry in allowed_registries:
        prefix = entry.rstrip("/")
        if prefix and (repo == prefix or repo.startswith(prefix + "/")):
            return True
    return False


def _bucket_owner(bucket: str) -> str | None:
    """The project whose bucket ``bucket`` is by its name, or None."""
    if not bucket.startswith(_PROJECT_BUCKET_PREFIX):
        return None
    for suffix in _PROJECT_BUCKET_SUFFIXES:
        if bucket.endswith(suffix):
            owner = bucket[len(_PROJECT_BUCKET_PREFIX) : -len(suffix)]
            return owner or None
    return None


def platform_problems(project: str, spec: ProjectSpec, platform: Platform) -> tuple[str, ...]:
    """Every way ``spec`` asks for more than the platform allows, one sentence each."""
    problems: list[str] = []
    allowed = ", ".join(platform.allowed_registries) or "none (set TRE_OPERATOR_ALLOWED_REGISTRIES)"
    for index, image in enumerate(spec.images):
        where = f"spec.images[{index}]"
        if not is_allowed_image(image, platform.allowed_registries):
            problems.append(
                f"{where}: {image!r} is not from an allowed registry; the platform allows "
                f"images from {allowed}"
            )
        if spec.tier >= DIGEST_TIER and "@sha256:" not in image:
            problems.append(
                f"{where}: {image!r} has no digest; tier {spec.tier} projects pin every image, "
                f"write e.g. {repository(image)}@sha256:<64 hex digits>"
            )
    for index, dataset in enumerate(spec.datasets):
        where = f"spec.datasets[{index}].bucket"
        owner = _bucket_owner(dataset.bucket)
        if dataset.bucket in platform.platform_buckets:
            problems.append(
                f"{where}: {dataset.bucket!r} is one of the platform's own buckets "
                f"({', '.join(platform.platform_buckets)}); a dataset must be in a bucket of its own"
            )
        elif owner is not None and owner != project:
            problems.append(
                f"{where}: {dataset.bucket!r} belongs to project {owner!r}; a project may not "
                "read another project's files"
            )
    return tuple(problems)


def check_project_against_platform(project: str, spec: ProjectSpec, platform: Platform) -> None:
    """Raise :class:`InvalidProjectSpec` listing :func:`platform_problems`, if any."""
    problems = platform_problems(project, spec, platform)
    if problems:
        raise InvalidProjectSpec(project, problems)
