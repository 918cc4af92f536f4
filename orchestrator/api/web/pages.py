"""Browser routes: sign-in through the identity provider, sign-out, and the home page.

Pages find the person from the session cookie and ask the same gate as the API
(:func:`orchestrator.api.security.permit` with ``identify=session_actor``).
Every form post passes the CSRF check in :mod:`orchestrator.api.web.forms` first.
"""

from __future__ import annotations

import secrets
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from orchestrator.adapters.oidc_sign_in import SignInStart
from orchestrator.api.components import WebSignIn
from orchestrator.api.security import browser_session, components_of, permit, session_actor
from orchestrator.api.web.forms import checked_form
from orchestrator.api.web.rendering import page
from orchestrator.api.web.sessions import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    SIGN_IN_SECONDS,
    Session,
    open_sign_in,
    safe_next,
    seal_sign_in,
)
from orchestrator.domain.access import AccessDenied, Action, Actor, AuthenticationFailed

router = APIRouter(include_in_schema=False)
STYLESHEET = files("orchestrator.api.web").joinpath("static/airlock.css").read_bytes()


def _web(request: Request) -> WebSignIn:
    web = components_of(request).web
    if web is None:
        raise AccessDenied("browser sign-in is not configured on this airlock (no 'web' section)")
    return web


@router.get("/static/airlock.css")
async def stylesheet() -> Response:
    return Response(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/")
async def home(request: Request) -> Response:
    session = browser_session(request)
    if session is None:
        return page("signed_out.html", configured=components_of(request).web is not None)
    actor = await session_actor(request)
    return await _home(request, session, actor)


async def _home(request: Request, session: Session, actor: Actor) -> Response:
    requests = await components_of(request).airlock.list_requests(actor, None, None)
    mine = [r for r in requests if r.requester == actor.username]
    return page("home.html", session=session, actor=actor, mine=mine)


@router.get("/login")
async def login(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    web = _web(request)
    start = SignInStart.fresh()
    response = RedirectResponse(
        await web.sign_in.authorize_url(start, web.redirect_uri), status_code=303
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        seal_sign_in(web.cookies, start, safe_next(next)),
        max_age=SIGN_IN_SECONDS,
        path="/auth",
        httponly=True,
        samesite="lax",
        secure=web.secure_cookies,
    )
    return response


@router.get("/auth/callback")
async def callback(
    request: Request,
    state: Annotated[str, Query()] = "",
    code: Annotated[str, Query()] = "",
    error: Annotated[str | None, Query()] = None,
) -> Response:
    web = _web(request)
    pending = open_sign_in(web.cookies, request.cookies.get(SIGN_IN_COOKIE))
    if pending is None:
        raise AuthenticationFailed(
            "this sign-in was not started here, or took longer than ten minutes; sign in again"
        )
    start, after = pending
    if not state or not secrets.compare_digest(state, start.state):
        raise AuthenticationFailed("the sign-in answer does not match the sign-in started here")
    if error is not None or not code:
        raise AuthenticationFailed(f"the identity provider did not sign you in ({error})")
    person = await web.sign_in.finish(start, code, web.redirect_uri)
    session = Session.start(person)
    response = RedirectResponse(after, status_code=303)
    response.delete_cookie(SIGN_IN_COOKIE, path="/auth")
    response.set_cookie(
        SESSION_COOKIE,
        session.seal(web.cookies, web.settings.session_hours * 3600),
        max_age=web.settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=web.secure_cookies,
    )
    return response


@router.post("/logout")
async def logout(
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.LIST_REQUESTS, session_actor))],
) -> Response:
    del actor
    web = _web(request)
    session = browser_session(request)
    assert session is not None  # session_actor let the call through
    await checked_form(request, session, web.settings.public_url)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
