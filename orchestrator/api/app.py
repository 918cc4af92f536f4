"""The airlock HTTP API: ``create_app(settings)`` builds a FastAPI application.

At start the app migrates the database, creates the buckets and runs recovery
(finishing submissions and releases a crash interrupted) before it serves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from orchestrator import __version__
from orchestrator.api.components import Components, build_components
from orchestrator.api.errors import install_error_handlers
from orchestrator.api.guard import BodyGuard
from orchestrator.api.routes import operations, releases, requests, reviews
from orchestrator.api.security import has_session
from orchestrator.api.settings import AirlockSettings
from orchestrator.api.web import pages, request_actions, review_pages
from orchestrator.api.web.headers import SecurityHeaders
from orchestrator.services.airlock import Checker
from orchestrator.services.airlock.engine_checker import make_engine_checker

DESCRIPTION = """\
The only way out of (or into) a project enclave. Requests are checked by rules,
reviewed by independent reviewers, recorded in a tamper-evident audit log, and
downloaded only through this service, which re-hashes every byte and counts
each person's completed downloads.

Authenticate with `Authorization: Bearer <OIDC token>`, or from inside a workspace
with `Authorization: token <JUPYTERHUB_API_TOKEN>` plus `X-TRE-Project: <project>`.
Every refusal carries `detail` (a reason for people) and `code` (for programs).
"""


def build_app(components: Components | None, settings: AirlockSettings | None = None) -> FastAPI:
    """The app with its routes; ``components`` may be None only to render the OpenAPI document."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if components is None:
            raise RuntimeError("this app was built without components; use create_app(settings)")
        await components.airlock.start(components.settings.review.project_required_approvals)
        components.airlock.start_checkpoints()
        try:
            yield
        finally:
            await components.aclose()

    app = FastAPI(
        title="TRE airlock",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's Swagger UI and ReDoc pages load their scripts from a CDN, which an
        # enclave cannot reach and the platform must not depend on: they are not served.
        # The OpenAPI document stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.components = components
    install_error_handlers(app)
    if components is not None:
        app.add_middleware(
            BodyGuard,
            authenticate=components.authenticator.authenticate,
            has_session=partial(has_session, components),
            max_json_bytes=components.settings.server.max_json_bytes,
        )
    for module in (
        requests,
        reviews,
        releases,
        operations,
        pages,
        review_pages,
        request_actions,
    ):
        app.include_router(module.router)
    app.add_middleware(SecurityHeaders)
    return app


def create_app(settings: AirlockSettings, checker: Checker | None = None) -> FastAPI:
    """Build the airlock API from its settings.

    ``checker`` runs the export checks on frozen files; by default the built-in
    checker configured in ``settings.checks``.
    """
    return build_app(build_components(settings, checker or default_checker(settings)), settings)


def default_checker(settings: AirlockSettings) -> Checker:
    """The export-check engine with the configured rule set and ClamAV signatures."""
    checks = settings.checks
    return make_engine_checker(
        ruleset_name=checks.ruleset,
        ruleset_file=checks.ruleset_file,
        clamav_database=checks.clamav_database,
    )


def app_from_environment() -> FastAPI:
    """The app configured from ``TRE_AIRLOCK_*`` variables (uvicorn's factory target)."""
    return create_app(AirlockSettings())  # required values come from the environment
