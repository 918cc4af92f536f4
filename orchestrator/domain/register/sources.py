"""Register sources read from exported files, checked where they enter.

Projects come as Kubernetes prints them (``kubectl get researchprojects -o json``: a
``List`` with ``items``); requests as the airlock prints them (``tre airlock status ID
--json``, one object each, gathered into a JSON array). Anything else raises
:class:`InvalidRegisterSource` naming the item and the field at fault.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.domain.airlock.model import Decision, Direction, Request, RequestFile, Vote
from orchestrator.domain.airlock.states import State
from orchestrator.domain.projects.spec import InvalidProjectSpec, parse_project
from orchestrator.domain.register.entries import ProjectSource, ReleaseSource


class InvalidRegisterSource(ValueError):
    """An exported file the register cannot be built from."""


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRegisterSource(f"{where}: {value!r} is not an RFC 3339 time") from exc
    if parsed.utcoffset() is None:
        raise InvalidRegisterSource(f"{where}: {value!r} has no time zone")
    return parsed


def _items(document: Any, what: str) -> list[Any]:
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InvalidRegisterSource(
            f"the {what} file must hold a JSON array or a Kubernetes List with 'items'"
        )
    return items


def projects_from_list(document: Any) -> tuple[ProjectSource, ...]:
    """Projects from a Kubernetes ``List`` of ResearchProjects (or a bare array of them)."""
    sources = []
    for index, item in enumerate(_items(document, "projects")):
        where = f"projects item {index}"
        metadata = item.get("metadata") if isinstance(item, dict) else None
        if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
            raise InvalidRegisterSource(f"{where}: has no metadata.name")
        spec = item.get("spec")
        if not isinstance(spec, dict):
            raise InvalidRegisterSource(f"{where} ({metadata['name']}): has no spec")
        try:
            parsed = parse_project(metadata["name"], spec)
        except InvalidProjectSpec as exc:
            raise InvalidRegisterSource(f"{where}: {exc}") from exc
        created = _time(metadata.get("creationTimestamp"), f"{where}: metadata.creationTimestamp")
        sources.append(ProjectSource(name=metadata["name"], spec=parsed, created_at=created))
    return tuple(sources)


def _vote(raw: Any, where: str) -> Vote:
    try:
        return Vote(
            reviewer=str(raw["reviewer"]),
            version=int(raw["version"]),
            decision=Decision(raw["decision"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRegisterSource(
            f"{where}: a vote needs reviewer, version and decision ({exc})"
        ) from exc


def releases_from_requests(document: Any) -> tuple[ReleaseSource, ...]:
    """Requests as ``tre airlock status --json`` prints them, with their votes."""
    sources = []
    for index, item in enumerate(_items(document, "requests")):
        where = f"requests item {index}"
        if not isinstance(item, dict):
            raise InvalidRegisterSource(f"{where}: is not a JSON object")
        try:
            request = Request(
                id=str(item["id"]),
                project=str(item["project"]),
                requester=str(item["requester"]),
                direction=Direction(item["direction"]),
                title=str(item["title"]),
                purpose=str(item.get("purpose", "")),
                state=State(item["state"]),
                version=int(item["version"]),
                submitted_version=int(item["submitted_version"]),
                files=tuple(RequestFile(name=str(f["name"])) for f in item.get("files", [])),
                ruleset_id=item.get("ruleset_id"),
                ruleset_version=item.get("ruleset_version"),
                updated_at=_time(item.get("updated_at"), f"{where}: updated_at"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidRegisterSource(
                f"{where}: is not an airlock request as `tre airlock status --json` prints "
                f"it ({exc!r})"
            ) from exc
        votes = tuple(_vote(v, where) for v in item.get("votes", []))
        sources.append(ReleaseSource(request=request, votes=votes))
    return tuple(sources)
