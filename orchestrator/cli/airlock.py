"""``tre airlock``: submit, follow, review and release airlock requests over the API.

The commands talk to the airlock service over HTTP (``TRE_AIRLOCK_URL``). Who you are
comes from ``--token`` / ``TRE_TOKEN`` (a token from the identity provider), from the
token ``tre login`` cached, or, in a terminal inside a workspace, from the hub's
``JUPYTERHUB_API_TOKEN`` together with ``TRE_PROJECT``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from orchestrator.adapters.airlock_client import AirlockApiError, AirlockClient, Credentials
from orchestrator.cli import token_cache

DEFAULT_URL = "http://127.0.0.1:8900"
P = ParamSpec("P")
T = TypeVar("T")


def credentials_from(token: str | None, project: str | None, env: dict[str, str]) -> Credentials:
    """Pick the caller's credentials.

    In order: ``--token``, ``TRE_TOKEN``, the token ``tre login`` cached (refused once
    expired), then the workspace token.
    """
    explicit = token or env.get("TRE_TOKEN")
    if explicit:
        return Credentials(token=explicit)
    try:
        cached = token_cache.load(token_cache.cache_path(env))
    except token_cache.CachedTokenUnusable as exc:
        raise click.UsageError(str(exc)) from exc
    if cached is not None:
        return Credentials(token=cached.access_token)
    hub_token = env.get("JUPYTERHUB_API_TOKEN")
    if hub_token:
        workspace_project = project or env.get("TRE_PROJECT")
        if not workspace_project:
            raise click.UsageError(
                "found a workspace token (JUPYTERHUB_API_TOKEN) but not the project: "
                "set TRE_PROJECT or pass --project"
            )
        return Credentials(token=hub_token, workspace_project=workspace_project)
    raise click.UsageError(
        "no credentials: run `tre login`, pass --token or set TRE_TOKEN to a token from "
        "your identity provider, or run this in a terminal inside your workspace"
    )


def _client(ctx: click.Context) -> AirlockClient:
    options: dict[str, Any] = ctx.find_object(dict) or {}
    creds = credentials_from(options.get("token"), options.get("project"), dict(os.environ))
    return AirlockClient(options.get("url") or DEFAULT_URL, creds)


def _reports_errors(command: Callable[P, T]) -> Callable[P, T]:
    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except AirlockApiError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2 if exc.status in (401, 403) else 1)

    return run


def _show(data: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    if isinstance(data, dict) and "id" in data and "state" in data:
        click.echo(_summary(data))
        for item in data.get("files", []):
            digest = (item.get("sha256") or "")[:12]
            click.echo(
                f"  {item['name']}  {item.get('size') or '?'} bytes  {digest}  "
                f"{item.get('verdict') or ''}"
            )
        return
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def _summary(item: dict[str, Any]) -> str:
    return (
        f"{item['id']}  {item['project']}  {item['state']:<17}  v{item.get('version', 1)}  "
        f"{item.get('requester', '')}  {item.get('title', '')}"
    )


@click.group()
@click.option(
    "--url",
    envvar="TRE_AIRLOCK_URL",
    default=DEFAULT_URL,
    show_default=True,
    help="Base URL of the airlock API (env TRE_AIRLOCK_URL).",
)
@click.option(
    "--token", default=None, help="Bearer token from the identity provider (env TRE_TOKEN)."
)
@click.option(
    "--project",
    default=None,
    help="Project of the workspace token (env TRE_PROJECT); only with JUPYTERHUB_API_TOKEN.",
)
@click.pass_context
def airlock(ctx: click.Context, url: str, token: str | None, project: str | None) -> None:
    """Move files out of (or into) a project through the airlock."""
    ctx.obj = {"url": url, "token": token, "project": project}


@airlock.command()
@click.argument("project")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--title", required=True, help="A short title reviewers will see.")
@click.option("--purpose", required=True, help="What the files are for.")
@click.option("--context", default="", help="What the outputs are (applies to every file).")
@click.option("--controls", default="", help="Disclosure controls applied (applies to every file).")
@click.option(
    "--direction", type=click.Choice(["export", "import"]), default="export", show_default=True
)
@click.option("--draft", is_flag=True, help="Upload the files but do not submit yet.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.pass_context
@_reports_errors
def submit(
    ctx: click.Context,
    project: str,
    files: tuple[Path, ...],
    title: str,
    purpose: str,
    context: str,
    controls: str,
    direction: str,
    draft: bool,
    as_json: bool,
) -> None:
    """Create a request in PROJECT with FILES and submit it for checking and review."""
    with _client(ctx) as client:
        created = client.create(project, title, purpose, direction)
        for path in files:
            client.upload(created["id"], path.name, path, context=context, controls=controls)
            click.echo(f"uploaded {path.name}", err=True)
        result = client.get(created["id"]) if draft else client.submit(created["id"])
    _show(result, as_json)


@airlock.command()
@click.argument("request_id")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.pass_context
@_reports_errors
def status(ctx: click.Context, request_id: str, as_json: bool) -> None:
    """Show a request's state, version and files."""
    with _client(ctx) as client:
        _show(client.get(request_id), as_json)


@airlock.command(name="list")
@click.option("--project", "project_filter", default=None, help="Only this project.")
@click.option("--state", default=None, help="Only requests in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.pass_context
@_reports_errors
def list_requests(
    ctx: click.Context, project_filter: str | None, state: str | None, as_json: bool
) -> None:
    """List the requests you can see."""
    with _client(ctx) as client:
        items = client.list_requests(project_filter, state)
    if as_json:
        _show(items, True)
        return
    for item in items:
        click.echo(_summary(item))


@airlock.command()
@click.argument("request_id")
@click.option("--approve", "decision", flag_value="approve", help="Approve this version.")
@click.option(
    "--request-changes",
    "decision",
    flag_value="request_changes",
    help="Send it back to the requester (needs --comment).",
)
@click.option("--reject", "decision", flag_value="reject", help="Reject the request.")
@click.option("--comment", default="", help="Your reasoning; required to request changes.")
@click.option(
    "--ack",
    "acknowledged",
    multiple=True,
    help="Acknowledge a 'review' finding by its key (repeat for each).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.pass_context
@_reports_errors
def review(
    ctx: click.Context,
    request_id: str,
    decision: str | None,
    comment: str,
    acknowledged: tuple[str, ...],
    as_json: bool,
) -> None:
    """Without a decision: show the reviewer view. With one: record your decision."""
    with _client(ctx) as client:
        if decision is None:
            _show(client.review_view(request_id), True)
            return
        _show(client.decide(request_id, decision, comment, list(acknowledged)), as_json)


def _simple(name: str, doc: str, call: Callable[[AirlockClient, str], Any]) -> None:
    @airlock.command(name=name, help=doc)
    @click.argument("request_id")
    @click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
    @click.pass_context
    @_reports_errors
    def command(ctx: click.Context, request_id: str, as_json: bool) -> None:
        with _client(ctx) as client:
            _show(call(client, request_id), as_json)

    del command


_simple(
    "release", "Release an approved request (a reviewer or an operator).", lambda c, r: c.release(r)
)
_simple(
    "withdraw",
    "Withdraw your request while it is a draft or sent back.",
    lambda c, r: c.withdraw(r),
)
_simple(
    "new-version",
    "Start a new version of a request that was sent back.",
    lambda c, r: c.new_version(r),
)
_simple(
    "retry",
    "Retry a request that failed on an infrastructure fault (operator).",
    lambda c, r: c.retry(r),
)


@airlock.command()
@click.argument("request_id")
@click.option(
    "--reason", required=True, help="Why the release is revoked (recorded in the audit log)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.pass_context
@_reports_errors
def revoke(ctx: click.Context, request_id: str, reason: str, as_json: bool) -> None:
    """Revoke a release: its files are removed and can no longer be downloaded."""
    with _client(ctx) as client:
        _show(client.revoke(request_id, reason), as_json)


@airlock.command()
@click.argument("request_id")
@click.option(
    "--file", "names", multiple=True, help="Only this file (repeat); all files by default."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Folder to write the files to.",
)
@click.pass_context
@_reports_errors
def download(ctx: click.Context, request_id: str, names: tuple[str, ...], output: Path) -> None:
    """Download released files through the airlock and check each against the manifest.

    Every completed download counts against your limit. A file whose bytes differ from
    the SHA-256 in the release manifest is deleted and the command exits with 1.
    """
    output.mkdir(parents=True, exist_ok=True)
    mismatched: list[str] = []
    with _client(ctx) as client:
        document = client.manifest(request_id)
        reviewed = {f["name"]: f["sha256"] for f in document["manifest"]["files"]}
        for name in list(names) or sorted(reviewed):
            if name not in reviewed:
                raise click.UsageError(f"the release manifest of {request_id} has no file {name!r}")
            dest = output / Path(name).name
            got = client.download(request_id, name, dest)
            if got.sha256 != reviewed[name] or got.announced_sha256 != reviewed[name]:
                dest.unlink(missing_ok=True)
                mismatched.append(name)
                click.echo(
                    f"MISMATCH: {name} has SHA-256 {got.sha256} but the release manifest says "
                    f"{reviewed[name]}; the file was deleted",
                    err=True,
                )
                continue
            click.echo(f"downloaded {name} ({got.size} bytes, SHA-256 verified) to {dest}")
    if mismatched:
        sys.exit(1)


@airlock.command()
@click.option("--host", default=None, help="Bind address (default from settings: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default from settings: 8900).")
def serve(host: str | None, port: int | None) -> None:
    """Run the airlock API service (configured by TRE_AIRLOCK_* environment variables)."""
    import uvicorn
    from pydantic import ValidationError

    from orchestrator.api.settings import AirlockSettings

    try:
        settings = AirlockSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TRE_AIRLOCK_{'__'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise click.UsageError(f"the airlock configuration is incomplete: {problems}") from exc
    uvicorn.run(
        "orchestrator.api.app:app_from_environment",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="info",
        timeout_keep_alive=settings.server.keep_alive_seconds,
    )
