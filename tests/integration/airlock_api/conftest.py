"""An airlock app wired to the real harness services, for the API integration tests.

The app runs in-process (httpx's ASGI transport) with its real adapters: SQLite or
PostgreSQL, the SeaweedFS S3 gateway, Keycloak tokens. Each test gets fresh buckets
and a fresh database, so tests never see each other's requests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from orchestrator.api.app import create_app
from orchestrator.api.settings import AirlockSettings
from orchestrator.embedded.seaweedfs import REGION
from tests.doubles.basic_checker import BasicChecker

AUDIT_BUCKET = f"audit-{uuid.uuid4().hex[:12]}"
"""One audit bucket per test run (a prefix per test): S3 servers such as SeaweedFS give
every bucket its own volumes."""

ROLES = {
    "projects": {
        "genomics": {
            "researchers": ["alice"],
            "reviewers": ["rita", "rosa"],
            "project_admins": ["ravi"],
        },
        "cancer": {"researchers": ["ben"], "reviewers": ["rosa"]},
    },
    "operators": ["otto"],
}


def make_settings(
    *, database_url: str, s3: Any, keycloak: Any, tmp_path: Path, **overrides: Any
) -> AirlockSettings:
    return AirlockSettings.model_validate(
        settings_values(
            database_url=database_url, s3=s3, keycloak=keycloak, tmp_path=tmp_path, **overrides
        )
    )


def settings_values(
    *, database_url: str, s3: Any, keycloak: Any, tmp_path: Path, **overrides: Any
) -> dict[str, Any]:
    """Plain settings values (secrets in clear), for the app or a process environment."""
    suffix = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "database": {"url": database_url},
        "storage": {
            "endpoint": s3.endpoint,
            "access_key": s3.access_key,
            "secret_key": s3.secret_key,
            "region": REGION,
            "quarantine_bucket": f"quarantine-{suffix}",
            "release_bucket": f"release-{suffix}",
        },
        "oidc": {"issuer": keycloak.issuer, "jwks_url": keycloak.jwks_url},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"bucket": AUDIT_BUCKET, "prefix": f"checkpoints-{suffix}/"},
        "roles": ROLES,
    }
    values.update(overrides)
    return values


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'airlock.db'}"
    server = request.getfixturevalue("postgres")
    url: str = server.create_database(f"airlock_{uuid.uuid4().hex[:10]}")
    return url


@dataclass
class Airlock:
    """The running app, a way to call it as anyone, and the settings it runs with."""

    app: FastAPI
    settings: AirlockSettings
    tokens: Callable[[str], str]

    def client(self, username: str | None = None) -> httpx.AsyncClient:
        headers = {} if username is None else {"Authorization": f"Bearer {self.tokens(username)}"}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://airlock.test",
            headers=headers,
            timeout=60,
        )

    async def settle(self) -> None:
        """Wait until background work (checking, releasing) is done."""
        await self.app.state.components.airlock.drain()


@pytest.fixture(scope="session")
def tokens(keycloak: Any) -> Callable[[str], str]:
    """A fresh-enough Keycloak access token per user (re-issued after a minute)."""
    cache: dict[str, tuple[float, str]] = {}

    def token(username: str) -> str:
        issued = cache.get(username)
        if issued is None or time.monotonic() - issued[0] > 60:
            cache[username] = (time.monotonic(), keycloak.token(username))
        return cache[username][1]

    return token


@pytest.fixture
async def airlock(
    database_url: str, s3: Any, keycloak: Any, tokens: Callable[[str], str], tmp_path: Path
) -> AsyncIterator[Airlock]:
    settings = make_settings(database_url=database_url, s3=s3, keycloak=keycloak, tmp_path=tmp_path)
    app = create_app(settings, checker=BasicChecker())
    async with app.router.lifespan_context(app):
        yield Airlock(app=app, settings=settings, tokens=tokens)
