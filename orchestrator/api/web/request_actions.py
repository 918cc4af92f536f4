"""Form posts that move a request: the requester's submit, new version and withdraw,
and the release after approval.

Each is one route with its own :class:`Action` on the same gate as the API, a CSRF
check, one call to the airlock, and a redirect back to the request's page. The
page shows a button only when the service lists the move among the person's
actions; the service refuses it anyway if it is not theirs to make.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from orchestrator.api.airlock_calls import AirlockCalls
from orchestrator.api.security import browser_session, components_of, permit, session_actor
from orchestrator.api.web.forms import checked_form
from orchestrator.domain.access import AccessDenied, Action, Actor
from orchestrator.services.airlock import RequestDetail

router = APIRouter(include_in_schema=False)

Move = Callable[[AirlockCalls, Actor, str], Awaitable[RequestDetail]]


async def _move(request: Request, actor: Actor, request_id: str, move: Move) -> Response:
    components = components_of(request)
    session = browser_session(request)
    if components.web is None or session is None:
        raise AccessDenied("browser sign-in is not configured on this airlock")
    await checked_form(request, session, components.web.settings.public_url)
    await move(components.airlock, actor, request_id)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/submit")
async def submit(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.SUBMIT, session_actor))],
) -> Response:
    return await _move(request, actor, request_id, AirlockCalls.submit)


@router.post("/requests/{request_id}/new-version")
async def new_version(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.NEW_VERSION, session_actor))],
) -> Response:
    return await _move(request, actor, request_id, AirlockCalls.new_version)


@router.post("/requests/{request_id}/withdraw")
async def withdraw(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.WITHDRAW, session_actor))],
) -> Response:
    return await _move(request, actor, request_id, AirlockCalls.withdraw)


@router.post("/requests/{request_id}/release")
async def release(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.RELEASE, session_actor))],
) -> Response:
    return await _move(request, actor, request_id, AirlockCalls.release)
