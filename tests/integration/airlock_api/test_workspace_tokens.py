"""Workspace (JupyterHub) tokens: the airlock asks the project's real hub who holds them.

A JupyterHub (the harness's ``jupyterhub_factory``) runs on 127.0.0.1 with ben and
alice as users; its admin service mints a real user token for ben, which is what
``JUPYTERHUB_API_TOKEN`` holds inside his workspace.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.adapters.jupyterhub_identity import HubIdentity
from orchestrator.api.app import create_app
from orchestrator.domain.access import AuthenticationFailed
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock_api.conftest import Airlock, make_settings


@dataclass
class WorkspaceHub:
    """A running hub with users alice and ben, and a way to mint their API tokens."""

    api_url: str
    service_token: str

    def user_token(self, user: str) -> str:
        answer = httpx.post(
            f"{self.api_url}/users/{user}/tokens",
            headers={"Authorization": f"token {self.service_token}"},
            json={"note": "workspace terminal", "expires_in": 600},
            timeout=30,
        )
        answer.raise_for_status()
        token: str = answer.json()["token"]
        return token


@pytest.fixture
def hub(jupyterhub_factory: Callable[..., Any]) -> WorkspaceHub:
    started = jupyterhub_factory()
    with started.api() as api:
        api.post("users", json={"usernames": ["alice", "ben"]}).raise_for_status()
    return WorkspaceHub(api_url=started.api_url, service_token=started.api_token)


async def test_hub_names_the_owner_of_a_user_token(hub: WorkspaceHub) -> None:
    async with httpx.AsyncClient() as http:
        identity = HubIdentity({"genomics": hub.api_url}, http)
        assert await identity.username_for("genomics", hub.user_token("ben")) == "ben"


async def test_unknown_token_and_service_token_are_refused(hub: WorkspaceHub) -> None:
    async with httpx.AsyncClient() as http:
        identity = HubIdentity({"genomics": hub.api_url}, http)
        with pytest.raises(AuthenticationFailed, match="does not recognise this token"):
            await identity.username_for("genomics", secrets.token_hex(16))
        with pytest.raises(AuthenticationFailed, match="not a user"):
            await identity.username_for("genomics", hub.service_token)
        with pytest.raises(AuthenticationFailed, match="no JupyterHub registered"):
            await identity.username_for("cancer", hub.user_token("ben"))


@pytest.fixture
async def workspace_airlock(
    hub: WorkspaceHub, database_url: str, s3: Any, keycloak: Any, tokens: Any, tmp_path: Path
) -> AsyncIterator[Airlock]:
    """The airlock with the hub registered as project genomics' workspace hub."""
    settings = make_settings(
        database_url=database_url,
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
        workspace_hubs={"genomics": hub.api_url},
    )
    app = create_app(settings, checker=BasicChecker())
    async with app.router.lifespan_context(app):
        yield Airlock(app=app, settings=settings, tokens=tokens)


async def test_researcher_submits_from_a_workspace_terminal_and_stays_in_that_project(
    workspace_airlock: Airlock, hub: WorkspaceHub
) -> None:
    headers = {"Authorization": f"token {hub.user_token('alice')}", "X-TRE-Project": "genomics"}
    async with workspace_airlock.client() as client:
        created = await client.post(
            "/api/v1/projects/genomics/requests",
            json={"title": "From the workspace", "purpose": "a table"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["requester"] == "alice"
        elsewhere = await client.post(
            "/api/v1/projects/cancer/requests",
            json={"title": "t", "purpose": "p"},
            headers=headers,
        )
        assert elsewhere.status_code == 403
        assert "workspace hub of project 'genomics'" in elsewhere.json()["detail"]
        review = await client.get(
            f"/api/v1/requests/{created.json()['id']}/review", headers=headers
        )
        assert review.status_code == 403


async def test_a_workspace_token_of_someone_the_project_does_not_list_is_refused(
    workspace_airlock: Airlock, hub: WorkspaceHub
) -> None:
    # ben has a user on genomics' hub, but only project cancer lists him as a researcher.
    headers = {"Authorization": f"token {hub.user_token('ben')}", "X-TRE-Project": "genomics"}
    async with workspace_airlock.client() as client:
        refused = await client.post(
            "/api/v1/projects/genomics/requests",
            json={"title": "From the workspace", "purpose": "a table"},
            headers=headers,
        )
        assert refused.status_code == 403
        assert "does not list you as a researcher" in refused.json()["detail"]
        listed = await client.get("/api/v1/requests", headers=headers)
        assert listed.status_code == 200
        assert listed.json() == []
