"""``tre operator``: run the ResearchProject controller (configured by ``TRE_OPERATOR_*``)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def operator() -> None:
    """The controller that keeps every ResearchProject an isolated, working enclave."""


@operator.command()
@click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Talk to the cluster with this kubeconfig (default: the pod's ServiceAccount, "
    "then $KUBECONFIG).",
)
@click.option(
    "--standalone",
    is_flag=True,
    help="Act alone, without electing a leader among replicas (tests, single replica).",
)
@click.option("--verbose", is_flag=True, help="Log every handler run (debug level).")
def run(kubeconfig: Path | None, standalone: bool, verbose: bool) -> None:
    """Watch ResearchProjects cluster-wide and reconcile them until stopped (SIGTERM)."""
    from pydantic import ValidationError

    from orchestrator.operator.running import run_operator
    from orchestrator.operator.settings import OperatorSettings

    try:
        settings = OperatorSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TRE_OPERATOR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise click.UsageError(f"the operator configuration is incomplete: {problems}") from exc
    run_operator(settings, kubeconfig=kubeconfig, standalone=standalone, verbose=verbose)
