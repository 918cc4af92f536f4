"""Workspace (JupyterHub) tokens: the airlock asks the project's real hub who holds them.

A JupyterHub 6 (with configurable-http-proxy) runs on 127.0.0.1 with ben and alice
as users; a service token mints a real user token for ben, which is what
``JUPYTERHUB_API_TOKEN`` holds inside his workspace.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.adapters.jupyterhub_identity import HubIdentity
from orchestrator.api.app import create_app
from orchestrator.domain.access import AuthenticationFailed
from orchestrator.embedded.paths import cache_dir, pinned_versions
from orchestrator.embedded.processes import ManagedProcess, free_port
from orchestrator.services.airlock.basic_checker import BasicChecker
from tests.integration.airlock_api.conftest import Airlock, make_settings

HUB_CONFIG = """
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{state}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {{"alice", "ben"}}
c.JupyterHub.services = [{{"name": "minter", "api_token": {service_token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "minter", "scopes": ["tokens", "read:users"], "services": ["minter"]}}
]
"""


@dataclass
class Hub:
    api_url: str
    service_token: str

    def user_token(self, user: str) -> str:
        answer = httpx.post(
            f"{self.api_url}/users/{user}/tokens",
            headers={"Authorization": f"token {self.service_token}"},
            json={"note": "workspace terminal", "expires_in": 600},
            timeout=10,
        )
        answer.raise_for_status()
        token: str = answer.json()["token"]
        return token


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    state = tmp_path_factory.mktemp("hub")
    chp = (
        cache_dir()
        / f"configurable-http-proxy-{pinned_versions()['CHP_VERSION']}"
        / "node_modules/.bin/configurable-http-proxy"
    )
    hub_port = free_port()
    service_token = secrets.token_hex(16)
    config = state / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            proxy_port=free_port(),
            hub_port=hub_port,
            proxy_api_port=free_port(),
            chp=str(chp),
            state=state,
            service_token=service_token,
        )
    )
    process = ManagedProcess(
        name="jupyterhub",
        argv=[str(Path(sys.executable).with_name("jupyterhub")), "-f", str(config)],
        log_path=state / "hub.log",
        cwd=state,
    ).start()
    api_url = f"http://127.0.0.1:{hub_port}/hub/api"
    try:
        process.wait_ready(lambda: httpx.get(api_url, timeout=2).status_code == 200, 120)
        yield Hub(api_url=api_url, service_token=service_token)
    finally:
        process.stop()


async def test_hub_names_the_owner_of_a_user_token(hub: Hub) -> None:
    async with httpx.AsyncClient() as http:
        identity = HubIdentity({"genomics": hub.api_url}, http)
        assert await identity.username_for("genomics", hub.user_token("ben")) == "ben"


async def test_unknown_token_and_service_token_are_refused(hub: Hub) -> None:
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
    hub: Hub, database_url: str, s3: Any, keycloak: Any, tokens: Any, tmp_path: Path
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
    workspace_airlock: Airlock, hub: Hub
) -> None:
    headers = {"Authorization": f"token {hub.user_token('ben')}", "X-TRE-Project": "genomics"}
    async with workspace_airlock.client() as client:
        created = await client.post(
            "/api/v1/projects/genomics/requests",
            json={"title": "From the workspace", "purpose": "a table"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["requester"] == "ben"
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
