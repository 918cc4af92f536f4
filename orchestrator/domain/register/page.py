"""The register as one static HTML page: escaped, styled by ``register.css``, no script."""

from __future__ import annotations

from datetime import UTC, date
from html import escape
from importlib.resources import files

from orchestrator.domain.register.entries import ProjectEntry, Register, ReleaseEntry

STYLESHEET = "register.css"
"""The page's one stylesheet, served or written next to it."""

_TIERS = {0: "0 (open)", 1: "1", 2: "2", 3: "3 (most sensitive)"}


def stylesheet() -> str:
    """The text of :data:`STYLESHEET`."""
    return files(__package__).joinpath(STYLESHEET).read_text(encoding="utf-8")


def _day(value: date | None, missing: str) -> str:
    return missing if value is None else value.isoformat()


def _list(values: tuple[str, ...]) -> str:
    return escape(", ".join(values)) if values else "—"


def _project(entry: ProjectEntry) -> str:
    purpose = escape(entry.purpose) if entry.purpose else "Not stated."
    contacts = (
        f"<dt>Contacts</dt><dd>{_list(entry.public_contacts)}</dd>" if entry.public_contacts else ""
    )
    return (
        f'<article class="project" id="project-{escape(entry.name)}">'
        f"<h3>{escape(entry.title)}</h3>"
        f'<p class="purpose">{purpose}</p>'
        "<dl>"
        f"<dt>Project</dt><dd><code>{escape(entry.name)}</code></dd>"
        f"<dt>Institutions</dt><dd>{_list(entry.institutions)}</dd>"
        f"{contacts}"
        f"<dt>Tier</dt><dd>{_TIERS[entry.tier]}</dd>"
        f"<dt>Datasets</dt><dd>{_list(entry.datasets)}</dd>"
        f"<dt>Started</dt><dd>{_day(entry.started, 'unknown')}</dd>"
        f"<dt>Ends</dt><dd>{_day(entry.ends, 'no end date')}</dd>"
        "</dl></article>"
    )


def _project_link(name: str, listed: frozenset[str]) -> str:
    """A link to the project's entry; a deleted project's name stands alone."""
    if name not in listed:
        return escape(name)
    return f'<a href="#project-{escape(name)}">{escape(name)}</a>'


def _release(entry: ReleaseEntry, listed: frozenset[str]) -> str:
    outputs = ", ".join(f"{o.files} {o.kind}" for o in entry.outputs) or "—"
    rule_set = " ".join(x for x in (entry.rule_set, entry.rule_set_version) if x) or "unknown"
    return (
        "<tr>"
        f"<td>{entry.released_on.isoformat()}</td>"
        f"<td>{_project_link(entry.project, listed)}</td>"
        f"<td>{escape(outputs)}</td>"
        f"<td>{entry.reviewers}</td>"
        f"<td>{escape(rule_set)}</td>"
        "</tr>"
    )


def render_page(register: Register, *, title: str = "Transparency register") -> str:
    """The whole page as HTML; every value from a spec or request is escaped."""
    generated = register.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    projects = "".join(_project(p) for p in register.projects) or "<p>No projects.</p>"
    listed = frozenset(p.name for p in register.projects)
    releases = (
        '<table><thead><tr><th scope="col">Released</th><th scope="col">Project</th>'
        '<th scope="col">Outputs (files by kind)</th><th scope="col">Reviewers</th>'
        '<th scope="col">Rule set</th></tr></thead><tbody>'
        + "".join(_release(r, listed) for r in register.releases)
        + "</tbody></table>"
        if register.releases
        else "<p>No releases yet.</p>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{STYLESHEET}"></head><body><main>'
        f"<h1>{escape(title)}</h1>"
        "<p>Every research project in this trusted research environment, the data it may "
        "read, and every set of results it has taken out, after automatic checks and "
        "review. Results are described by kind only. "
        f'The same data as JSON: <a href="register.json">register.json</a>. '
        f"Updated {generated}.</p>"
        f'<section id="projects"><h2>Projects ({len(register.projects)})</h2>{projects}</section>'
        f'<section id="releases"><h2>Releases ({len(register.releases)})</h2>{releases}'
        "</section></main></body></html>\n"
    )
