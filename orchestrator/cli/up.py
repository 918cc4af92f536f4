"""``tre up``: run the embedded enclave on this machine until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from orchestrator.embedded.paths import REPO_ROOT


@click.command()
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=REPO_ROOT / ".tre",
    show_default=True,
    help="Folder keeping every service's data; the same folder reopens the same enclave.",
)
@click.option(
    "--user",
    "users",
    multiple=True,
    default=("alice", "ben"),
    show_default=True,
    help="A notebook user (repeat for several).",
)
@click.option("--project", default="demo", show_default=True, help="Name of the demo project.")
def up(state_dir: Path, users: tuple[str, ...], project: str) -> None:
    """Start OpenBao, SeaweedFS, the enclave network and JupyterHub on 127.0.0.1.

    Notebook servers run unprivileged in a network namespace that can reach only the
    hub proxy and the airlock API. Stops everything cleanly on Ctrl-C or SIGTERM.
    Needs root (network namespaces and nftables rules).
    """
    # Imported here: the enclave pulls in the OpenBao and S3 clients, which every other
    # `tre` command (a `tre check` in a notebook, say) would otherwise load at start-up.
    from orchestrator.embedded.enclave import Enclave

    stop = threading.Event()
    starting = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if starting.is_set():  # abort the start; Enclave.start() stops what it started
            raise KeyboardInterrupt

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    enclave = Enclave(state_dir=state_dir.resolve(), users=users, project=project)
    try:
        click.echo(f"starting the embedded enclave in {state_dir} ...")
        starting.set()
        try:
            enclave.start()
        except KeyboardInterrupt:
            click.echo("interrupted while starting; everything started was stopped")
            return
        except (OSError, RuntimeError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            starting.clear()
        click.echo(enclave.summary())
        click.echo("running; press Ctrl-C to stop")
        stop.wait()
        click.echo("stopping ...")
    finally:
        enclave.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo("stopped")
