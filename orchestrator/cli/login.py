"""``tre login`` and ``tre logout``: sign in to the identity provider from a terminal.

``tre login`` uses the device sign-in flow: it prints an address and a code, you
open the address in any browser and sign in, and the command keeps the access token
it receives (short-lived, readable only by you) for later ``tre airlock`` commands.
"""

from __future__ import annotations

import os
import sys

import click
import httpx
import jwt

from orchestrator.adapters.device_login import LoginFailed, discover, start, wait_for_token
from orchestrator.cli import token_cache


def _display_name(access_token: str) -> str:
    """The name in the token, for the message only (the airlock verifies tokens itself)."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    name = claims.get("preferred_username") or claims.get("sub") or ""
    return str(name)


@click.command()
@click.option(
    "--issuer",
    envvar="TRE_OIDC_ISSUER",
    required=True,
    help="Issuer URL of the identity provider (env TRE_OIDC_ISSUER), "
    "e.g. https://login.example.org/realms/tre.",
)
@click.option(
    "--client-id",
    envvar="TRE_OIDC_CLIENT_ID",
    default="tre-cli",
    show_default=True,
    help="The identity provider's client for the command line (env TRE_OIDC_CLIENT_ID).",
)
def login(issuer: str, client_id: str) -> None:
    """Sign in with your identity provider; later `tre airlock` commands use the token."""
    path = token_cache.cache_path(dict(os.environ))
    try:
        with httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
            endpoints = discover(http, issuer)
            authorization = start(http, endpoints, client_id)
            address = authorization.verification_uri_complete or authorization.verification_uri
            click.echo(f"Open {address} in a browser and sign in.")
            click.echo(f"Check that it shows the code {authorization.user_code}.")
            issued = wait_for_token(http, endpoints, client_id, authorization)
    except LoginFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    cached = token_cache.CachedToken(
        issuer=issuer,
        access_token=issued.access_token,
        expires_at=issued.expires_at,
        name=_display_name(issued.access_token),
    )
    token_cache.save(path, cached)
    who = f" as {cached.name}" if cached.name else ""
    click.echo(f"Signed in{who} until {cached.expires_text()}; the token is in {path}.")


@click.command()
def logout() -> None:
    """Forget the token `tre login` kept."""
    path = token_cache.cache_path(dict(os.environ))
    if token_cache.remove(path):
        click.echo(f"Signed out: removed {path}.")
    else:
        click.echo("Not signed in: there was no cached token.")
