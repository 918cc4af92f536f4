"""Authentication and the role gate, attached to routes as dependencies.

Each route declares the :class:`Action` it performs with ``Depends(permit(action))``
(browser pages with ``Depends(permit(action, identify=session_actor))``); the
dependency identifies the caller, finds the project the call is about (from the
path, the query, or the request being addressed) and asks the one gate,
:func:`orchestrator.domain.access.check_allowed`. Routes never check roles themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.requests import cookie_parser

from orchestrator.api.components import Components
from orchestrator.api.guard import ACTOR_STATE, PROJECT_HEADER
from orchestrator.api.web.sessions import SESSION_COOKIE, Session
from orchestrator.domain.access import Action, Actor, actor_for, check_allowed


def components_of(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


BEARER = HTTPBearer(
    auto_error=False,
    description="An OIDC access token from the identity provider. From inside a workspace, "
    "send `Authorization: token <JUPYTERHUB_API_TOKEN>` with `X-TRE-Project` instead.",
)
WORKSPACE_PROJECT = APIKeyHeader(
    name=PROJECT_HEADER,
    auto_error=False,
    description="The project whose JupyterHub issued the workspace token.",
)


async def current_actor(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
    _project: Annotated[str | None, Security(WORKSPACE_PROJECT)],
) -> Actor:
    """The authenticated caller, or a 401 saying how to authenticate.

    The two security parameters document the schemes in OpenAPI; the raw headers
    are read here so both the ``Bearer`` and the workspace ``token`` scheme work.
    """
    known: Actor | None = getattr(request.state, ACTOR_STATE, None)
    if known is not None:  # the body guard authenticated this call before its body was read
        return known
    components = components_of(request)
    return await components.authenticator.authenticate(
        request.headers.get("authorization"), request.headers.get(PROJECT_HEADER)
    )


class SignInRequired(Exception):
    """A browser page was opened without a valid session; the answer is the sign-in page."""


def _session(components: Components, cookie: str | None) -> Session | None:
    """The session a cookie carries, or ``None`` (no, altered or expired cookie)."""
    if components.web is None:
        return None
    return Session.open(components.web.cookies, cookie)


def has_session(components: Components, headers: Headers) -> bool:
    """Whether the headers carry a valid, unexpired browser session cookie."""
    cookies = cookie_parser(headers.get("cookie", ""))
    return _session(components, cookies.get(SESSION_COOKIE)) is not None


def browser_session(request: Request) -> Session | None:
    """The signed-in person of this browser, or ``None`` (no, altered or expired cookie)."""
    return _session(components_of(request), request.cookies.get(SESSION_COOKIE))


async def session_actor(request: Request) -> Actor:
    """The person of a browser session, with roles from the same role source as tokens."""
    session = browser_session(request)
    if session is None:
        raise SignInRequired(request.url.path)
    grants = await components_of(request).authenticator.roles.grants_for(session.username)
    return actor_for(session.username, "browser", grants)


async def _project_of(request: Request) -> str | None:
    params = request.path_params
    if "project" in params:
        return str(params["project"])
    if "request_id" in params:
        return await components_of(request).airlock.project_of(str(params["request_id"]))
    project = request.query_params.get("project")
    return project or None


def permit(
    action: Action,
    identify: Callable[..., Awaitable[Actor]] = current_actor,
) -> Callable[..., Awaitable[Actor]]:
    """A dependency that lets the call through only if the caller may ``action`` here.

    ``identify`` says who is calling: an ``Authorization`` header (the API) or the
    browser session (the pages); either way the same gate decides.
    """

    # ``identify`` is local, so it goes in the default: FastAPI could not resolve a
    # string annotation naming it (this module uses postponed annotations).
    async def gate(request: Request, actor: Actor = Depends(identify)) -> Actor:  # noqa: B008
        project = await _project_of(request)
        check_allowed(actor, action, project)
        return actor

    gate.__name__ = f"permit_{action.value}"
    return gate
