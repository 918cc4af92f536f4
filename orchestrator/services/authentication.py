"""Turn an ``Authorization`` header into an :class:`~orchestrator.domain.access.Actor`.

Two ways in:

* ``Authorization: Bearer <JWT>`` — an OIDC access token from the identity provider
  (reviewers, project admins, operators, and researchers outside a workspace). Roles
  come from the role source.
* ``Authorization: token <JupyterHub API token>`` together with ``X-TRE-Project:
  <project>`` — a researcher in a terminal inside their workspace. The airlock asks
  that project's hub who owns the token; the resulting actor is confined to that
  project and acts there only as a researcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from orchestrator.domain.access import Actor, AuthenticationFailed, RoleSource, actor_for


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> _Verified: ...


class _Verified(Protocol):
    @property
    def username(self) -> str: ...


class WorkspaceIdentity(Protocol):
    async def username_for(self, project: str, token: str) -> str: ...


@dataclass(frozen=True)
class Authenticator:
    """Identify a caller from their credentials and attach their roles."""

    oidc: TokenVerifier
    hubs: WorkspaceIdentity
    roles: RoleSource

    async def authenticate(self, authorization: str | None, project: str | None) -> Actor:
        if not authorization:
            raise AuthenticationFailed(
                "no credentials: send 'Authorization: Bearer <token>' from your identity "
                "provider, or run the command from a terminal in your workspace"
            )
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if not credential:
            raise AuthenticationFailed(f"the Authorization header has a '{scheme}' but no token")
        if scheme.lower() == "bearer":
            verified = await self.oidc.verify(credential)
            grants = await self.roles.grants_for(verified.username)
            return actor_for(verified.username, "oidc", grants)
        if scheme.lower() == "token":
            if not project:
                raise AuthenticationFailed(
                    "a workspace (JupyterHub) token needs the project it belongs to: send the "
                    "'X-TRE-Project' header (the tre CLI does this from TRE_PROJECT)"
                )
            username = await self.hubs.username_for(project, credential)
            grants = await self.roles.grants_for(username)
            return actor_for(username, "jupyterhub", grants, confined_to=project)
        raise AuthenticationFailed(
            f"unknown Authorization scheme '{scheme}': use 'Bearer' (identity provider) or "
            "'token' (JupyterHub workspace token)"
        )
