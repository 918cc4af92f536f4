"""``tre register publish``: write the public transparency register as static files.

It reads projects from the Kubernetes API (or as ``kubectl get researchprojects
-o json`` prints them) and requests either as ``tre airlock status ID --json`` prints them (gathered into one
JSON array) or straight from the airlock database (read-only), and writes ``index.html``, ``register.css`` and ``register.json`` into a
folder any static web server can publish. Bad input is reported before anything
is written; each file is replaced whole, never left half-written.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from orchestrator.adapters.database import Database, DatabaseError
from orchestrator.adapters.kubernetes_connection import (
    KubernetesConnection,
    KubernetesConnectionError,
)
from orchestrator.adapters.kubernetes_objects import KubernetesError, KubernetesObjects
from orchestrator.domain.register.entries import ProjectSource, ReleaseSource, build_register
from orchestrator.domain.register.feed import make_feed
from orchestrator.domain.register.page import STYLESHEET, render_page, stylesheet
from orchestrator.domain.register.sources import (
    InvalidRegisterSource,
    projects_from_list,
    releases_from_requests,
)
from orchestrator.services.registering import (
    TooManyReleases,
    projects_in_cluster,
    released_exports,
)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{path}: cannot read it as JSON ({exc})") from exc


def _write_whole(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _projects(projects_file: Path | None, kubeconfig: Path | None) -> tuple[ProjectSource, ...]:
    if projects_file is not None:
        return projects_from_list(_read_json(projects_file))
    api_client = KubernetesConnection(kubeconfig).api_client()
    try:
        return projects_in_cluster(KubernetesObjects(api_client))
    finally:
        api_client.close()


def _releases(requests_file: Path | None, database_url: str | None) -> tuple[ReleaseSource, ...]:
    if requests_file is not None:
        return releases_from_requests(_read_json(requests_file))
    if database_url is None:
        raise click.UsageError("give --requests FILE or --database-url URL")
    database = Database(database_url)
    try:
        return released_exports(database)
    finally:
        database.dispose()


@click.group()
def register() -> None:
    """The public transparency register of projects and releases."""


@register.command()
@click.option(
    "--projects",
    "projects_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="ResearchProjects as `kubectl get researchprojects -o json` prints them; "
    "without it, they are read from the Kubernetes API.",
)
@click.option(
    "--kubeconfig",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The kubeconfig to read projects with (default: in-cluster, then $KUBECONFIG).",
)
@click.option(
    "--requests",
    "requests_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A JSON array of airlock requests as `tre airlock status ID --json` prints them; "
    "only released exports are published.",
)
@click.option(
    "--database-url",
    envvar="TRE_AIRLOCK_DATABASE__URL",
    default=None,
    help="Read released requests from the airlock database instead (sqlite:///PATH or "
    "postgresql+psycopg://...); default from TRE_AIRLOCK_DATABASE__URL.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write index.html, register.css and register.json into (created if missing).",
)
def publish(
    projects_file: Path | None,
    kubeconfig: Path | None,
    requests_file: Path | None,
    database_url: str | None,
    out: Path,
) -> None:
    """Write the register as static files."""
    try:
        projects = _projects(projects_file, kubeconfig)
        releases = _releases(requests_file, database_url)
    except (
        InvalidRegisterSource,
        TooManyReleases,
        DatabaseError,
        KubernetesError,
        KubernetesConnectionError,
    ) as exc:
        raise click.ClickException(str(exc)) from exc
    built = build_register(projects, releases, at=datetime.now(UTC))
    out.mkdir(parents=True, exist_ok=True)
    _write_whole(out / STYLESHEET, stylesheet())
    _write_whole(out / "register.json", json.dumps(make_feed(built), indent=2) + "\n")
    _write_whole(out / "index.html", render_page(built))
    click.echo(
        f"wrote {out}/index.html, {STYLESHEET} and register.json: "
        f"{len(built.projects)} projects, {len(built.releases)} releases"
    )
