"""The ``tre`` command: one group, one sub-command module per area."""

from __future__ import annotations

import click

from orchestrator import __version__
from orchestrator.cli.airlock import airlock
from orchestrator.cli.audit import audit
from orchestrator.cli.check import check
from orchestrator.cli.dev import dev
from orchestrator.cli.login import login, logout
from orchestrator.cli.operator import operator
from orchestrator.cli.register import register
from orchestrator.cli.trace import fingerprint, trace
from orchestrator.cli.up import up


@click.group()
@click.version_option(__version__, prog_name="tre")
def cli() -> None:
    """TRE Orchestrator: project enclaves and an airlock for every file that leaves."""


cli.add_command(dev)
cli.add_command(airlock)
cli.add_command(audit)
cli.add_command(check)
cli.add_command(login)
cli.add_command(logout)
cli.add_command(operator)
cli.add_command(register)
cli.add_command(up)
cli.add_command(fingerprint)
cli.add_command(trace)


def main() -> None:
    """Console-script entry point."""
    cli()
