"""Translate the airlock's error vocabulary into HTTP answers that keep the reason.

Every error body is ``{"detail": <reason for people>, "code": <machine word>}``.
Routes never build error responses themselves; they let the domain error rise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from orchestrator.adapters.database.errors import ConcurrentUpdate, DatabaseError
from orchestrator.adapters.signing.errors import SigningError
from orchestrator.adapters.storage.errors import StorageError
from orchestrator.api.security import SignInRequired
from orchestrator.api.streaming import UploadTooLarge
from orchestrator.api.web.rendering import page
from orchestrator.domain.access import AccessDenied, AuthenticationFailed
from orchestrator.domain.airlock.errors import (
    IntegrityError,
    InvalidInput,
    InvalidTransition,
    LimitReached,
    NotFound,
    NotPermitted,
    RequestTooLarge,
)

log = logging.getLogger(__name__)

# (exception type, HTTP status, code). The first matching entry wins.
ERROR_TABLE: tuple[tuple[type[Exception], int, str], ...] = (
    (AuthenticationFailed, 401, "not_authenticated"),
    (AccessDenied, 403, "role_required"),
    (NotPermitted, 403, "not_permitted"),
    (NotFound, 404, "not_found"),
    (InvalidTransition, 409, "invalid_transition"),
    (ConcurrentUpdate, 409, "concurrent_update"),
    (InvalidInput, 422, "invalid_input"),
    (UploadTooLarge, 413, "too_large"),
    (RequestTooLarge, 413, "request_too_large"),
    (LimitReached, 429, "limit_reached"),
    (IntegrityError, 500, "integrity_error"),
    (StorageError, 503, "storage_unavailable"),
    (DatabaseError, 503, "database_unavailable"),
    (SigningError, 503, "signing_unavailable"),
)


HEADINGS = {401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Not now"}


def is_page(request: Request) -> bool:
    """A browser page (not the API, not a probe): errors there are answered in HTML."""
    return not request.url.path.startswith("/api/") and request.url.path not in {
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    }


def _handler(status: int, code: str) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        if is_page(request):
            heading = HEADINGS.get(status, "Something went wrong")
            return page("error.html", status_code=status, heading=heading, reason=str(exc))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": str(exc), "code": code}, status_code=status, headers=headers)

    return handle


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_first)
    for exc_type, status, code in ERROR_TABLE:
        app.add_exception_handler(exc_type, _handler(status, code))
