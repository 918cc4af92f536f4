"""The ResearchProject spec: what an operator declares, checked at the edge it enters.

:func:`parse_project` turns the camelCase Kubernetes form into frozen models, or raises
:class:`InvalidProjectSpec` naming every bad field by its path and saying what to write
instead. The field descriptions here are the source of the CRD schema
(:mod:`orchestrator.domain.projects.crd`) and of ``docs/research-projects.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from orchestrator.domain.access import ProjectRole
from orchestrator.domain.projects.quantities import (
    QUANTITY_PATTERN,
    InvalidQuantity,
    parse_quantity,
)
from orchestrator.domain.storage_policies import InvalidBucketGrant, check_bucket_name

API_GROUP = "research.tre-orchestrator.io"
API_VERSION = "v1alpha1"
KIND = "ResearchProject"
PLURAL = "researchprojects"

MAX_PROJECT_NAME = 52
"""Longest project name: ``tre-<name>-outbox`` must still be a 63-character bucket name."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_USERNAME = re.compile(r"^[a-z0-9]([a-z0-9._@-]{0,62}[a-z0-9])?$")
# registry[:port]/path[:tag][@sha256:digest], lower-case path components.
_IMAGE = re.compile(
    r"^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[0-9a-f]{64})?$"
)


def _pattern(regex: re.Pattern[str] | str) -> dict[str, Any]:
    """A pattern shown in the CRD schema only; the validators below give the messages."""
    return {"pattern": regex if isinstance(regex, str) else regex.pattern}


class InvalidProjectSpec(ValueError):
    """A spec the operator cannot apply; ``problems`` lists one sentence per bad field."""

    def __init__(self, project: str, problems: tuple[str, ...]) -> None:
        self.project = project
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"ResearchProject {project!r} is invalid:\n{listed}")


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


class Member(_Model):
    """A person on the project and the roles they hold on it."""

    username: str = Field(
        json_schema_extra=_pattern(_USERNAME),
        description="The member's hub username (lower case), unique in the project.",
    )
    roles: frozenset[ProjectRole] = Field(
        min_length=1,
        description="One or more of researcher (works in the enclave), reviewer (reviews "
        "exports) and project_admin (manages the project's requests).",
    )

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not _USERNAME.match(value):
            raise ValueError(
                f"{value!r} is not a valid username; use lower-case letters, digits and . _ @ -"
            )
        return value


class Dataset(_Model):
    """A dataset the project may read; never writable from the enclave."""

    name: str = Field(
        json_schema_extra=_pattern(_DNS_LABEL),
        description="A short name for the dataset, unique in the project (a DNS label).",
    )
    bucket: str = Field(
        description="The object-storage bucket holding the dataset; never one of the "
        "platform's own buckets (the airlock's, the archive) or another project's."
    )
    prefix: str = Field(
        default="",
        description="The key prefix inside the bucket (e.g. 2024/); empty for the whole bucket.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_dns_label(value, limit=63)

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        try:
            check_bucket_name(value)
        except InvalidBucketGrant as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/") or "*" in value:
            raise ValueError(
                f"{value!r} is not a key prefix; write e.g. 2024/ (no leading /, .. or *)"
            )
        return value


class ComputeProfile(_Model):
    """A size of notebook server members can choose when they start one."""

    name: str = Field(
        json_schema_extra=_pattern(_DNS_LABEL),
        description="A short identifier (a DNS label), unique in the project.",
    )
    display_name: str = Field(min_length=1, description="What members see in the profile list.")
    cpu: str = Field(
        json_schema_extra=_pattern(QUANTITY_PATTERN),
        description='CPU cores, as a Kubernetes quantity (e.g. "1" or 500m).',
    )
    memory: str = Field(
        json_schema_extra=_pattern(QUANTITY_PATTERN),
        description="Memory, as a Kubernetes quantity (e.g. 2Gi).",
    )
    gpu: int = Field(default=0, ge=0, le=16, description="NVIDIA GPUs per server.")
    default: bool = Field(
        default=False, description="Preselected in the list; at most one profile may set it."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_dns_label(value, limit=63)

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        return _positive_quantity(value, example="500m or 2")

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        return _positive_quantity(value, example="2Gi")


class ExportSettings(_Model):
    """How the airlock checks and approves files leaving the project."""

    rule_set: str = Field(
        default="default", min_length=1, description="The export rule set the airlock applies."
    )
    approvals_required: int = Field(
        default=2, ge=1, le=10, description="Reviewer approvals needed to release a file."
    )


class NetworkSettings(_Model):
    """The enclave's network; egress is denied except to the platform's own services."""

    dns: Literal["cluster", "none"] = Field(
        default="cluster",
        description="cluster: the cluster resolver in kube-system only; none: no DNS at all.",
    )


class TransparencySettings(_Model):
    """What the public transparency register says about the project; all of it is published.

    Write nothing here that may not be public: the register is read by anyone.
    """

    purpose: str = Field(
        default="",
        max_length=2000,
        description="The project's purpose in plain words, as published in the public "
        "register (e.g. 'How blood pressure treatment affects stroke risk'). Empty: not stated.",
    )
    institutions: tuple[str, ...] = Field(
        default=(),
        description="Institutions that run the project, as published in the public register.",
    )
    public_contacts: tuple[str, ...] = Field(
        default=(),
        description="Names of people the project agrees to list in the public register (e.g. "
        "the lead investigator). Members' usernames are never published.",
    )

    @field_validator("institutions", "public_contacts")
    @classmethod
    def _entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if not entry.strip() or len(entry) > 200:
                raise ValueError(
                    f"{entry!r} is not a name to publish; write 1 to 200 characters, e.g. "
                    "'University of Exeter'"
                )
        return value


class ProjectSpec(_Model):
    """A research project: who works in it, on which data, with what compute."""

    display_name: str = Field(min_length=1, max_length=100, description="The project's title.")
    tier: int = Field(
        ge=0, le=3, description="Data sensitivity tier, 0 (open) to 3 (most sensitive)."
    )
    members: tuple[Member, ...] = Field(default=(), description="People on the project.")
    datasets: tuple[Dataset, ...] = Field(
        default=(), description="Datasets the project may read (always read-only)."
    )
    compute_profiles: tuple[ComputeProfile, ...] = Field(
        min_length=1, description="Notebook server sizes members can choose from."
    )
    storage_quota: str = Field(
        json_schema_extra=_pattern(QUANTITY_PATTERN),
        description="Total persistent storage (home volumes) the project may claim, e.g. 100Gi.",
    )
    expires_at: datetime | None = Field(
        default=None,
        description="End of the data-use agreement (RFC 3339 with a time zone); the project "
        "is suspended at this moment. Empty: no expiry.",
    )
    export: ExportSettings = Field(
        default_factory=ExportSettings, description="Export checks and approvals."
    )
    images: tuple[str, ...] = Field(
        min_length=1,
        description="Notebook images members may start; the first is the default. Each "
        "must come from a registry the operator allows (TRE_OPERATOR_ALLOWED_REGISTRIES) "
        "and, from tier 2 up, be pinned by digest (@sha256:...).",
    )
    network: NetworkSettings = Field(
        default_factory=NetworkSettings, description="Network settings of the enclave."
    )
    retention: Literal["keep", "archive", "delete"] = Field(
        default="keep",
        description="What happens to the project's buckets when it is deleted: keep them, "
        "archive them, or delete them.",
    )
    suspended: bool = Field(
        default=False,
        description="Suspend the project by hand: the hub is scaled to zero, user servers "
        "are stopped and no pod may start; data kept.",
    )
    transparency: TransparencySettings = Field(
        default_factory=TransparencySettings,
        description="What the public transparency register publishes about the project.",
    )

    @field_validator("members")
    @classmethod
    def _members(cls, value: tuple[Member, ...]) -> tuple[Member, ...]:
        _check_unique([m.username for m in value], "username")
        return value

    @field_validator("datasets")
    @classmethod
    def _datasets(cls, value: tuple[Dataset, ...]) -> tuple[Dataset, ...]:
        _check_unique([d.name for d in value], "dataset name")
        return value

    @field_validator("compute_profiles")
    @classmethod
    def _profiles(cls, value: tuple[ComputeProfile, ...]) -> tuple[ComputeProfile, ...]:
        _check_unique([p.name for p in value], "profile name")
        defaults = [p.name for p in value if p.default]
        if len(defaults) > 1:
            raise ValueError(
                f"profiles {', '.join(defaults)} are all marked default; mark at most one "
                "(without any, the first is the default)"
            )
        return value

    @field_validator("storage_quota")
    @classmethod
    def _storage(cls, value: str) -> str:
        return _positive_quantity(value, example="100Gi")

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError(
                f"{value.isoformat()!r} has no time zone; write e.g. 2027-03-31T00:00:00Z"
            )
        return value

    @field_validator("images")
    @classmethod
    def _images(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for image in value:
            if not _IMAGE.match(image):
                raise ValueError(
                    f"{image!r} is not an image reference; write e.g. "
                    "ghcr.io/tre-orchestrator/workspace:0.1.0"
                )
        _check_unique(list(value), "image")
        return value

    @property
    def default_profile(self) -> ComputeProfile:
        """The profile marked default, or the first one."""
        return next((p for p in self.compute_profiles if p.default), self.compute_profiles[0])


def check_dns_label(value: str, *, limit: int) -> str:
    """Return ``value`` if it is a DNS label of at most ``limit`` characters; raise otherwise."""
    if len(value) > limit or not _DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS label of at most {limit} characters; use lower-case "
            "letters, digits and hyphens, starting and ending with a letter or digit"
        )
    return value


def _positive_quantity(value: str, *, example: str) -> str:
    try:
        amount = parse_quantity(value, example=example)
    except InvalidQuantity as exc:
        raise ValueError(str(exc)) from exc
    if amount <= 0:
        raise ValueError(f"{value!r} must be more than zero; write e.g. {example}")
    return value


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in values:
        (repeated if value in seen else seen).add(value)
    if repeated:
        listed = ", ".join(repr(v) for v in sorted(repeated))
        raise ValueError(f"{what} {listed} appears more than once; each must be unique")


def parse_project(name: str, spec: Mapping[str, Any]) -> ProjectSpec:
    """The project ``name`` with ``spec`` (camelCase, as stored in Kubernetes), checked.

    Raises :class:`InvalidProjectSpec` listing every problem, each prefixed with the
    field's path (``metadata.name``, ``spec.computeProfiles[1].memory``).
    """
    problems: list[str] = []
    try:
        check_dns_label(name, limit=MAX_PROJECT_NAME)
    except ValueError as exc:
        problems.append(f"metadata.name: {exc}")
    parsed: ProjectSpec | None = None
    try:
        parsed = ProjectSpec.model_validate(dict(spec))
    except ValidationError as exc:
        problems.extend(_describe(error) for error in exc.errors())
    if problems or parsed is None:
        raise InvalidProjectSpec(name, tuple(problems))
    return parsed


def _describe(error: Any) -> str:
    path = "spec" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
    )
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return f"{path}: is required; see docs/research-projects.md"
    if kind == "extra_forbidden":
        return f"{path}: is not a field of a ResearchProject; remove it or fix its spelling"
    if kind == "value_error":
        return f"{path}: {error['ctx']['error']}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{path}: {value!r} is not a whole number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{path}: {value!r} is not true or false"
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return f"{path}: {value!r} is not a date and time; write e.g. 2027-03-31T00:00:00Z"
    return f"{path}: {value!r}: {error['msg'][0].lower()}{error['msg'][1:]}"
