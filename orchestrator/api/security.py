"""Authentication and the role gate, attached to routes as dependencies.

Each route declares the :class:`Action` it performs with ``Depends(permit(action))``;
the dependency identifies the caller, finds the project the call is about (from the
path, the query, or the request being addressed) and asks the one gate,
:func:`orchestrator.domain.access.check_allowed`. Routes never check roles themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orchestrator.api.components import Components
from orchestrator.api.guard import ACTOR_STATE, PROJECT_HEADER
from orchestrator.domain.access import Action, Actor, check_allowed


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


async def _project_of(request: Request) -> str | None:
    params = request.path_params
    if "project" in params:
        return str(params["project"])
    if "request_id" in params:
        return await components_of(request).airlock.project_of(str(params["request_id"]))
    project = request.query_params.get("project")
    return project or None


def permit(action: Action) -> Callable[..., Awaitable[Actor]]:
    """A dependency that lets the call through only if the caller may ``action`` here."""

    async def gate(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        project = await _project_of(request)
        check_allowed(actor, action, project)
        return actor

    gate.__name__ = f"permit_{action.value}"
    return gate
