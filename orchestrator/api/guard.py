"""Identify the caller, and bound a JSON body, before anything reads the body.

FastAPI reads and parses a route's body before it resolves the route's dependencies,
so a dependency alone would answer 401 only after a client without credentials made
the process read (and parse) whatever it sent. :class:`BodyGuard` is ASGI middleware
in front of the routes: for every call that may carry a body it authenticates from
the headers first (401 without reading a byte), then, except for streamed file
uploads, reads at most ``max_json_bytes`` (413 beyond) and hands that body on. The
actor it found is kept in the request state, so the route's own authentication
does not repeat the work.

The browser pages (every path outside ``/api/``) post forms with a session cookie
instead of an ``Authorization`` header: for them the guard asks only that the cookie
is a valid session before reading the bounded body; the page's own gate then checks
the roles and the CSRF token. A session never authenticates an API call.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.domain.access import Actor, AuthenticationFailed

PROJECT_HEADER = "X-TRE-Project"
WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
UPLOAD_PATH = re.compile(r"^/api/v1/requests/[^/]+/files/.+$")
"""``PUT`` here streams a file's raw bytes; its own size limit applies while it streams."""
ACTOR_STATE = "actor"

Authenticate = Callable[[str | None, str | None], Awaitable[Actor]]
HasSession = Callable[[Headers], bool]
API_PREFIX = "/api/"


class BodyGuard:
    """ASGI middleware: authenticate before any body is read; cap JSON bodies."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticate: Authenticate,
        has_session: HasSession,
        max_json_bytes: int,
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.has_session = has_session
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not scope["path"].startswith(API_PREFIX):
            if not self.has_session(headers):
                detail = "sign in first: this form needs a signed-in browser session"
                await _refuse(scope, receive, send, 401, detail, "not_authenticated")
                return
        else:
            try:
                actor = await self.authenticate(
                    headers.get("authorization"), headers.get(PROJECT_HEADER)
                )
            except AuthenticationFailed as exc:
                await _refuse(scope, receive, send, 401, str(exc), "not_authenticated")
                return
            scope.setdefault("state", {})[ACTOR_STATE] = actor
        if scope["method"] == "PUT" and UPLOAD_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        too_large = (
            f"the request body is larger than {self.max_json_bytes} bytes, the most the "
            "airlock accepts for a JSON call; files are uploaded with PUT to "
            "/api/v1/requests/<id>/files/<name>"
        )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_json_bytes:
            await _refuse(scope, receive, send, 413, too_large, "too_large")
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_json_bytes:
                await _refuse(scope, receive, send, 413, too_large, "too_large")
                return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str, code: str
) -> None:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    headers["Connection"] = "close"  # the unread body is not drained
    response = JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)
    await response(scope, receive, send)
