"""Reviewer pages: the queue, a request with its files and findings, a file, and the vote.

Each route loads through :class:`~orchestrator.api.airlock_calls.AirlockCalls` and
passes the same ``permit`` gate as the API; the service applies the review rules
(never your own request, votes hidden until all are in, every ``review`` finding
acknowledged). Templates only show what the service says the person may do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from orchestrator.api.security import browser_session, components_of, permit, session_actor
from orchestrator.api.web.forms import checked_form
from orchestrator.api.web.pixels import is_image, reencode_png
from orchestrator.api.web.previews import (
    MAX_PREVIEW_BYTES,
    kind_of,
    table_preview,
    text_preview,
)
from orchestrator.api.web.rendering import page
from orchestrator.api.web.sessions import Session
from orchestrator.checks.model import Verdict
from orchestrator.domain.access import AccessDenied, Action, Actor, Role
from orchestrator.domain.airlock.errors import InvalidInput, NotFound, NotPermitted
from orchestrator.domain.airlock.model import Decision, finding_key
from orchestrator.domain.airlock.model import Request as AirlockRequest
from orchestrator.domain.airlock.states import State

router = APIRouter(include_in_schema=False)
WORST = {Verdict.BLOCK: 3, Verdict.REVIEW: 2, Verdict.PASS: 1}


def _session(request: Request) -> Session:
    session = browser_session(request)
    assert session is not None  # session_actor let the call through
    return session


def worst_verdict(airlock_request: AirlockRequest) -> str:
    verdicts = [f.verdict for f in airlock_request.files if f.verdict is not None]
    return str(max(verdicts, key=lambda v: WORST[v])) if verdicts else "unchecked"


def age(airlock_request: AirlockRequest) -> str:
    since = airlock_request.updated_at or airlock_request.created_at
    if since is None:
        return ""
    minutes = int((datetime.now(UTC) - since.astimezone(UTC)).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def total_size(airlock_request: AirlockRequest) -> int:
    return sum(f.size or 0 for f in airlock_request.files)


@router.get("/review")
async def queue(
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.LIST_REQUESTS, session_actor))],
) -> Response:
    found = await components_of(request).airlock.list_requests(actor, None, State.IN_REVIEW)
    waiting = sorted(
        (
            r
            for r in found
            if Role.REVIEWER in actor.roles_in(r.project) and r.requester != actor.username
        ),
        key=lambda r: r.updated_at or r.created_at or datetime.min.replace(tzinfo=UTC),
    )
    return page(
        "queue.html",
        session=_session(request),
        waiting=waiting,
        age=age,
        size=total_size,
        worst=worst_verdict,
    )


@router.get("/audit")
async def audit(
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.VERIFY_AUDIT, session_actor))],
) -> Response:
    del actor
    result = await components_of(request).airlock.verify_audit()
    return page("audit.html", session=_session(request), result=result)


@router.get("/requests/{request_id}")
async def detail(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.VIEW_REQUEST, session_actor))],
) -> Response:
    airlock = components_of(request).airlock
    shown = await airlock.get(actor, request_id)
    try:
        history = await airlock.history(actor, request_id)
    except NotPermitted:
        history = []
    releases = [
        r
        for r in await airlock.list_requests(actor, shown.request.project, State.RELEASED)
        if r.id != request_id
    ]
    return page(
        "request.html",
        session=_session(request),
        shown=shown,
        r=shown.request,
        history=history,
        releases=releases,
        finding_key=finding_key,
        can_vote="review" in shown.actions,
        can_open="open_quarantined_file" in shown.actions,
    )


@router.get("/requests/{request_id}/files/{name:path}")
async def file_view(
    request_id: str,
    name: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.REVIEW_VIEW, session_actor))],
) -> Response:
    airlock = components_of(request).airlock
    shown = await airlock.get(actor, request_id)
    found = shown.request.file(name)
    if found is None:
        raise NotFound(f"this request has no file {name!r}")
    data = await airlock.read_quarantined(actor, request_id, name, MAX_PREVIEW_BYTES)
    kind = "image" if is_image(name) else kind_of(name)
    kind = kind if data is not None else "too_large"
    table = (
        table_preview(name, data, found.findings) if data is not None and kind == "table" else None
    )
    text = text_preview(data, found.findings) if data is not None and kind == "text" else None
    return page(
        "file.html",
        session=_session(request),
        r=shown.request,
        f=found,
        kind=kind,
        limit_mib=MAX_PREVIEW_BYTES // (1024 * 1024),
        table=table,
        text=text,
    )


@router.get("/requests/{request_id}/pixels")
async def pixels(
    request_id: str,
    name: Annotated[str, Query()],
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.REVIEW_VIEW, session_actor))],
) -> Response:
    """An image file's first frame, decoded and encoded anew as PNG (never its own bytes)."""
    if not is_image(name):
        raise InvalidInput(f"{name!r} is not an image the viewer shows")
    data = await components_of(request).airlock.read_quarantined(
        actor, request_id, name, MAX_PREVIEW_BYTES
    )
    if data is None:
        raise InvalidInput(f"{name!r} is too large to show in the browser")
    png = await anyio.to_thread.run_sync(reencode_png, data)
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "no-store", "Content-Disposition": "inline; filename=view.png"},
    )


@router.post("/requests/{request_id}/decision")
async def decide(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.DECIDE, session_actor))],
) -> Response:
    web = components_of(request).web
    if web is None:
        raise AccessDenied("browser sign-in is not configured on this airlock")
    fields = await checked_form(request, _session(request), web.settings.public_url)
    decision = fields.get("decision", "")
    if decision not in {str(d) for d in Decision}:
        raise InvalidInput("choose approve, request changes or reject")
    acknowledged = [k.removeprefix("ack-") for k in fields if k.startswith("ack-")]
    await components_of(request).airlock.decide(
        actor, request_id, decision, fields.get("comment", ""), acknowledged
    )
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
