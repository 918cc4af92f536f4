"""The register as a JSON feed (``register.json``), shaped by ``docs/reference/register.schema.json``."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from orchestrator.domain.register.entries import ProjectEntry, Register, ReleaseEntry

FEED_VERSION = 1


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _project(entry: ProjectEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "title": entry.title,
        "purpose": entry.purpose,
        "institutions": list(entry.institutions),
        "publicContacts": list(entry.public_contacts),
        "tier": entry.tier,
        "datasets": list(entry.datasets),
        "started": _day(entry.started),
        "ends": _day(entry.ends),
    }


def _release(entry: ReleaseEntry) -> dict[str, Any]:
    return {
        "project": entry.project,
        "releasedOn": entry.released_on.isoformat(),
        "outputs": [{"kind": str(o.kind), "files": o.files} for o in entry.outputs],
        "reviewers": entry.reviewers,
        "ruleSet": entry.rule_set,
        "ruleSetVersion": entry.rule_set_version,
    }


def make_feed(register: Register) -> dict[str, Any]:
    """The feed document for ``register``."""
    generated = register.generated_at.astimezone(UTC).replace(microsecond=0)
    return {
        "version": FEED_VERSION,
        "generatedAt": generated.isoformat().replace("+00:00", "Z"),
        "projects": [_project(p) for p in register.projects],
        "releases": [_release(r) for r in register.releases],
    }
