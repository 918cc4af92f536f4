"""Ask a project's JupyterHub who a JupyterHub API token belongs to.

Inside a workspace the researcher holds ``JUPYTERHUB_API_TOKEN``, issued by their
project's hub. The airlock never trusts the token itself: it sends it to that hub's
``/hub/api/user`` (the hub's own "who am I" endpoint) and takes the answer. The token
is only ever sent to the hub of the project the caller names, never tried elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from orchestrator.domain.access import AuthenticationFailed


class HubIdentity:
    """Resolves JupyterHub API tokens to usernames, one hub per project."""

    def __init__(
        self, hubs: Mapping[str, str], http: httpx.AsyncClient, timeout: float = 10.0
    ) -> None:
        self._hubs = {project: url.rstrip("/") for project, url in hubs.items()}
        self._http = http
        self._timeout = timeout

    def knows(self, project: str) -> bool:
        return project in self._hubs

    async def username_for(self, project: str, token: str) -> str:
        base = self._hubs.get(project)
        if base is None:
            raise AuthenticationFailed(
                f"project '{project}' has no JupyterHub registered with the airlock, so a "
                "workspace token cannot be checked; use an identity-provider token instead"
            )
        try:
            response = await self._http.get(
                f"{base}/user",
                headers={"Authorization": f"token {token}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise AuthenticationFailed(
                f"could not reach the JupyterHub of project '{project}' to check the token: {exc}"
            ) from exc
        if response.status_code in (401, 403):
            raise AuthenticationFailed(
                f"the JupyterHub of project '{project}' does not recognise this token; "
                "start a fresh terminal in your workspace or log in again"
            )
        if response.status_code != 200:
            raise AuthenticationFailed(
                f"the JupyterHub of project '{project}' answered {response.status_code} when "
                "asked who the token belongs to"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise AuthenticationFailed(
                f"the JupyterHub of project '{project}' sent an answer that is not JSON"
            ) from exc
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise AuthenticationFailed(
                f"the JupyterHub of project '{project}' did not say which user owns the token"
            )
        if body.get("kind", "user") != "user":
            raise AuthenticationFailed(
                f"the token belongs to a {body.get('kind')} of project '{project}'s hub, not a user"
            )
        return name
