"""``tre dev``: developer commands, such as regenerating committed artefacts."""

from __future__ import annotations

import sys

import click

from orchestrator.cli.generated import ARTEFACTS, drifted


@click.group()
def dev() -> None:
    """Developer commands."""


@dev.command()
@click.option(
    "--check",
    is_flag=True,
    help="Fail if a committed artefact differs from what the code generates.",
)
def generate(check: bool) -> None:
    """Regenerate every generated artefact (diagrams, references, schemas)."""
    if check:
        stale = drifted()
        if stale:
            for path in stale:
                click.echo(
                    f"out of date: {path} (run `make generate` and commit the result)", err=True
                )
            sys.exit(1)
        click.echo(f"{len(ARTEFACTS)} generated artefacts are up to date")
        return
    for artefact in ARTEFACTS:
        artefact.write()
        click.echo(f"wrote {artefact.path}")
