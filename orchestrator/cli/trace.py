"""``tre fingerprint`` marks project copies and records releases; ``tre trace`` names a leak's source.

tre fingerprint copy DATASET.csv --project P --key-file KEY --store DIR --out COPY.csv
tre fingerprint release OUTPUT.xlsx --project P --release R --store DIR
tre trace FOUND.xlsx [FOUND.parquet ...] --store DIR
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from orchestrator.adapters.table_files import TableFile, TableFileError, TraceStore, open_table
from orchestrator.domain.fingerprints.copies import CopyMarker, CopySettings, plan_copy
from orchestrator.domain.fingerprints.normalising import normalise_cell
from orchestrator.domain.fingerprints.releases import fingerprint_release
from orchestrator.domain.fingerprints.tracing import digest_table, trace_table

SAMPLE_ROWS = 1000

store_option = click.option(
    "--store",
    "store_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of project marks and release fingerprints.",
)


def _open(path: Path) -> TableFile:
    try:
        return open_table(path)
    except TableFileError as exc:
        raise click.ClickException(str(exc)) from exc


def _text(row: Sequence[object]) -> list[str]:
    return [c if isinstance(c, str) else normalise_cell(c) for c in row]


def _sample(table: TableFile) -> tuple[list[list[str]], int]:
    """A keyed-free uniform reservoir sample of rows, and the row count (one pass)."""
    chooser = random.Random(0)
    sample: list[list[str]] = []
    count = 0
    for count, row in enumerate(table.rows(), start=1):
        if len(sample) < SAMPLE_ROWS:
            sample.append(_text(row))
        elif (slot := chooser.randrange(count)) < SAMPLE_ROWS:
            sample[slot] = _text(row)
    return sample, count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@click.group()
def fingerprint() -> None:
    """Mark project copies of tables and record released tables, for ``tre trace``."""


@fingerprint.command("copy")
@click.argument("dataset", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="Project the copy is for.")
@click.option(
    "--dataset-name", default=None, help="Name of the dataset (default: the file's name)."
)
@click.option(
    "--key-file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File holding the project's secret fingerprint key.",
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV to write."
)
@click.option(
    "--keep", multiple=True, help="Column never perturbed (identifiers, join keys); repeatable."
)
@click.option(
    "--canaries", default=CopySettings.canaries, show_default=True, help="Canary rows to insert."
)
@store_option
def copy_command(
    dataset: Path,
    project: str,
    dataset_name: str | None,
    key_file: Path,
    out: Path,
    keep: tuple[str, ...],
    canaries: int,
    store_dir: Path,
) -> None:
    """Write PROJECT's fingerprinted copy of DATASET and record its marks in the store."""
    table = _open(dataset)
    key = key_file.read_bytes().strip()
    unknown = sorted(set(keep) - set(table.columns))
    if unknown:
        raise click.ClickException(f"--keep names columns not in {dataset}: {', '.join(unknown)}")
    try:
        sample, count = _sample(table)
        plan = plan_copy(
            project=project,
            dataset=dataset_name or dataset.name,
            key=key,
            columns=table.columns,
            sample=sample,
            rows=count,
            settings=CopySettings(canaries=canaries, keep=frozenset(keep)),
        )
        store = TraceStore(store_dir)
        marker = CopyMarker(plan, store.salt(create=True))
        partial = out.with_name(f".{out.name}.partial")
        try:
            with partial.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(table.columns)
                writer.writerows(marker.mark(_text(row) for row in table.rows()))
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        record = store.add_marks(marker.marks())
    except (TableFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {out} ({count} rows + {canaries} canaries); marks in {record}")


@fingerprint.command("release")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="Project the release belongs to.")
@click.option("--release", "release_id", required=True, help="Release (airlock request) id.")
@store_option
def release_command(
    files: tuple[Path, ...], project: str, release_id: str, store_dir: Path
) -> None:
    """Record the robust fingerprint of each released table FILE."""
    store = TraceStore(store_dir)
    tables = [_open(path) for path in files]
    try:
        salt = store.salt(create=True)
        for table in tables:
            release = fingerprint_release(
                project=project,
                release=release_id,
                file=table.path.name,
                sha256=_sha256(table.path),
                columns=table.columns,
                rows=table.rows(),
                salt=salt,
            )
            record = store.add_release(release)
            click.echo(f"{table.path}: {release.rows} rows fingerprinted; {record}")
    except (TableFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the matches as JSON.")
def trace(files: tuple[Path, ...], store_dir: Path, as_json: bool) -> None:
    """Name the project copy and release each found table FILE came from, with the evidence.

    Exit status: 0 when every file was traced, 1 when some file matched nothing.
    """
    store = TraceStore(store_dir)
    report: dict[str, dict[str, Any]] = {}
    try:
        salt = store.salt()
        searched = store.count_marks()
        for path in files:
            table = _open(path)
            found = digest_table(table.columns, table.rows(), salt)
            result = trace_table(found, store.marks(), store.releases(), projects_searched=searched)
            report[str(path)] = {
                "format": table.format,
                "rows": found.rows,
                "projects": [asdict(m) for m in result.projects],
                "releases": [asdict(m) for m in result.releases],
            }
    except (TableFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, indent=1))
    else:
        for path_name, entry in report.items():
            click.echo(f"{path_name} ({entry['format']}, {entry['rows']} rows):")
            for m in entry["projects"]:
                click.echo(
                    f"  project {m['project']} (copy of {m['dataset']}, key {m['key_id']}): "
                    f"confidence {m['confidence']:.6f}; {m['canaries']} canary rows, "
                    f"{m['perturbed']} of {m['sampled']} sampled rows carry its perturbations"
                )
            for r in entry["releases"]:
                click.echo(
                    f"  release {r['release']} of project {r['project']} ({r['file']}): "
                    f"Jaccard {r['jaccard']:.2f}, {r['containment']:.0%} of rows contained"
                )
            if not entry["projects"] and not entry["releases"]:
                click.echo("  no project copy or release matched")
    if any(not e["projects"] and not e["releases"] for e in report.values()):
        sys.exit(1)
