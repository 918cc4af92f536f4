"""``tre audit verify``: check the airlock's hash-chained audit log through the API.

Verification runs inside the airlock service (which holds the database and the
checkpoint keys); the command asks it as an operator and reports the result, so an
operator never needs database credentials on their machine.
"""

from __future__ import annotations

import json
import os
import sys

import click

from orchestrator.adapters.airlock_client import AirlockApiError, AirlockClient, Credentials
from orchestrator.cli.airlock import DEFAULT_URL, credentials_from


@click.group()
def audit() -> None:
    """The tamper-evident audit log of the airlock."""


@audit.command()
@click.option(
    "--url",
    envvar="TRE_AIRLOCK_URL",
    default=DEFAULT_URL,
    show_default=True,
    help="Base URL of the airlock API (env TRE_AIRLOCK_URL).",
)
@click.option("--token", default=None, help="Operator's bearer token (env TRE_TOKEN).")
def verify(url: str, token: str | None) -> None:
    """Verify every audit record and checkpoint; exit 1 and say where if anything was altered."""
    creds = credentials_from(token, None, dict(os.environ))
    try:
        with AirlockClient(url, creds) as client:
            result = client.verify_audit()
    except AirlockApiError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if result.get("ok"):
        click.echo(
            f"audit log intact: {result.get('records', '?')} records, "
            f"{result.get('checkpoints', '?')} checkpoints verified"
        )
        return
    click.echo("AUDIT LOG ALTERED:", err=True)
    for problem in result.get("problems", []):
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


@audit.command()
@click.option(
    "--url",
    envvar="TRE_AIRLOCK_URL",
    default=DEFAULT_URL,
    show_default=True,
    help="Base URL of the airlock API (env TRE_AIRLOCK_URL).",
)
def key(url: str) -> None:
    """Print the public key that signs audit checkpoints and release manifests (no login)."""
    try:
        with AirlockClient(url, Credentials(token="")) as client:
            published = client.signing_key()
    except AirlockApiError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(published, indent=2, sort_keys=True))
