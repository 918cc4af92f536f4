"""Turning an Authorization header into an actor, with named test doubles."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from orchestrator.domain.access import (
    AccessDenied,
    Action,
    AuthenticationFailed,
    Role,
    StaticRoleSource,
    check_allowed,
)
from orchestrator.services.authentication import Authenticator


@dataclass(frozen=True)
class Named:
    username: str


class AcceptsOneJwt:
    """An OIDC verifier that knows exactly one token."""

    async def verify(self, token: str) -> Named:
        if token != "good.jwt.token":
            raise AuthenticationFailed("bad signature")
        return Named("rita")


class HubKnowsBen:
    """A workspace hub where token 'hub-token' belongs to ben in project genomics."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def username_for(self, project: str, token: str) -> str:
        self.asked.append(project)
        if project == "genomics" and token == "hub-token":
            return "ben"
        raise AuthenticationFailed("unknown token")


ROLES = StaticRoleSource(
    {"genomics": {Role.RESEARCHER: frozenset({"ben"}), Role.REVIEWER: frozenset({"rita"})}}
)


def authenticator() -> Authenticator:
    return Authenticator(oidc=AcceptsOneJwt(), hubs=HubKnowsBen(), roles=ROLES)


async def test_bearer_token_gives_an_actor_with_roles_from_the_source() -> None:
    rita = await authenticator().authenticate("Bearer good.jwt.token", None)
    assert rita.username == "rita"
    assert rita.via == "oidc"
    assert rita.roles_in("genomics") == frozenset({Role.REVIEWER})


async def test_workspace_token_is_checked_with_that_projects_hub_and_confined() -> None:
    auth = authenticator()
    ben = await auth.authenticate("token hub-token", "genomics")
    assert (ben.username, ben.via, ben.confined_to) == ("ben", "jupyterhub", "genomics")
    assert ben.roles_in("genomics") == frozenset({Role.RESEARCHER})


async def test_workspace_token_of_someone_the_project_does_not_list_grants_nothing() -> None:
    auth = Authenticator(oidc=AcceptsOneJwt(), hubs=HubKnowsBen(), roles=StaticRoleSource({}))
    ben = await auth.authenticate("token hub-token", "genomics")
    assert ben.roles_in("genomics") == frozenset()
    with pytest.raises(AccessDenied, match="does not list you as a researcher"):
        check_allowed(ben, Action.CREATE_REQUEST, "genomics")


async def test_workspace_token_without_project_says_which_header_is_missing() -> None:
    with pytest.raises(AuthenticationFailed, match="X-TRE-Project"):
        await authenticator().authenticate("token hub-token", None)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no credentials"),
        ("Bearer", "no token"),
        ("Basic abc", "unknown Authorization scheme 'Basic'"),
        ("Bearer forged", "bad signature"),
    ],
)
async def test_bad_credentials_are_refused_with_a_reason(header: str | None, reason: str) -> None:
    with pytest.raises(AuthenticationFailed, match=reason):
        await authenticator().authenticate(header, None)
