"""Register entries, built from project specs and released airlock requests.

The register is public, so an entry carries only what may be read by anyone: a
project's title, its published purpose, institutions and contacts (the ``transparency``
section of its spec), its tier, dataset names and dates; a release's date, the kinds
of output it held, how many reviewers approved it and the rule set that checked it.
File names, request titles and purposes, usernames and sizes never enter an entry,
because any of them can carry data about individuals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from orchestrator.domain.airlock.model import Decision, Direction, Request, Vote
from orchestrator.domain.airlock.states import State
from orchestrator.domain.projects.spec import ProjectSpec


class OutputKind(StrEnum):
    """What sort of output a released file is, told by its extension only."""

    TABLE = "table"
    FIGURE = "figure"
    DOCUMENT = "document"
    CODE = "code"
    OTHER = "other"


_KINDS: dict[str, OutputKind] = {
    **dict.fromkeys(
        ("csv", "tsv", "xlsx", "xls", "ods", "parquet", "feather", "dta", "sav", "rds"),
        OutputKind.TABLE,
    ),
    **dict.fromkeys(("png", "jpg", "jpeg", "svg", "gif", "tif", "tiff", "eps"), OutputKind.FIGURE),
    **dict.fromkeys(
        ("pdf", "txt", "md", "html", "htm", "docx", "doc", "odt", "rtf", "tex"),
        OutputKind.DOCUMENT,
    ),
    **dict.fromkeys(
        ("py", "r", "rmd", "qmd", "ipynb", "sql", "sh", "do", "jl", "sas"), OutputKind.CODE
    ),
}


def output_kind(file_name: str) -> OutputKind:
    """The kind of output a file is, by the extension of its base name."""
    base = file_name.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return OutputKind.OTHER
    return _KINDS.get(base.rsplit(".", 1)[-1].lower(), OutputKind.OTHER)


@dataclass(frozen=True)
class ProjectEntry:
    """One project as the public sees it."""

    name: str
    title: str
    purpose: str
    institutions: tuple[str, ...]
    public_contacts: tuple[str, ...]
    tier: int
    datasets: tuple[str, ...]
    started: date | None
    ends: date | None


@dataclass(frozen=True)
class OutputCount:
    """How many files of one kind a release held."""

    kind: OutputKind
    files: int


@dataclass(frozen=True)
class ReleaseEntry:
    """One released export as the public sees it."""

    project: str
    released_on: date
    outputs: tuple[OutputCount, ...]
    reviewers: int
    rule_set: str | None
    rule_set_version: str | None


@dataclass(frozen=True)
class Register:
    """The whole register at one moment."""

    generated_at: datetime
    projects: tuple[ProjectEntry, ...]
    releases: tuple[ReleaseEntry, ...]


@dataclass(frozen=True)
class ProjectSource:
    """A project as read from the cluster: its name, spec and creation time."""

    name: str
    spec: ProjectSpec
    created_at: datetime | None = None


@dataclass(frozen=True)
class ReleaseSource:
    """A request as read from the airlock, with the votes cast on it."""

    request: Request
    votes: tuple[Vote, ...] = ()


def project_entry(source: ProjectSource) -> ProjectEntry:
    """The public entry of one project; members and buckets are left out."""
    spec = source.spec
    return ProjectEntry(
        name=source.name,
        title=spec.display_name,
        purpose=spec.transparency.purpose,
        institutions=spec.transparency.institutions,
        public_contacts=spec.transparency.public_contacts,
        tier=spec.tier,
        datasets=tuple(sorted(d.name for d in spec.datasets)),
        started=None if source.created_at is None else source.created_at.date(),
        ends=None if spec.expires_at is None else spec.expires_at.date(),
    )


def is_public_release(request: Request) -> bool:
    """Exports that were released (and not since revoked) are listed; nothing else is."""
    return (
        request.direction is Direction.EXPORT
        and request.state is State.RELEASED
        and request.updated_at is not None
    )


def release_entry(source: ReleaseSource) -> ReleaseEntry:
    """The public entry of one released export: counts and kinds, never names."""
    request = source.request
    if not is_public_release(request) or request.updated_at is None:
        raise ValueError(f"request {request.id} is not a released export")
    kinds = Counter(output_kind(f.name) for f in request.files)
    approvers = {
        v.reviewer
        for v in source.votes
        if v.decision is Decision.APPROVE and v.version == request.submitted_version
    }
    return ReleaseEntry(
        project=request.project,
        released_on=request.updated_at.date(),
        outputs=tuple(OutputCount(kind, kinds[kind]) for kind in OutputKind if kinds[kind]),
        reviewers=len(approvers),
        rule_set=request.ruleset_id,
        rule_set_version=request.ruleset_version,
    )


def build_register(
    projects: Iterable[ProjectSource], releases: Iterable[ReleaseSource], *, at: datetime
) -> Register:
    """The register: projects by name, released exports newest first."""
    project_entries = sorted((project_entry(p) for p in projects), key=lambda e: e.name)
    release_entries = sorted(
        (release_entry(r) for r in releases if is_public_release(r.request)),
        key=lambda e: (-e.released_on.toordinal(), e.project),
    )
    return Register(
        generated_at=at, projects=tuple(project_entries), releases=tuple(release_entries)
    )
