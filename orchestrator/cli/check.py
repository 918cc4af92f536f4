"""``tre check``: run the export-rule engine over files and print the decision.

A thin shell over :func:`orchestrator.checks.engine.check_paths`: it loads the rule set
(default, a tier, or a file; then operator limits; then a tighten-only project
override), wires ClamAV in, and renders the report as text or JSON.
Exit status: 0 all pass, 10 some review and none blocked, 20 any blocked, 2 usage or
configuration error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from orchestrator.adapters.clamav import ClamAVScanner
from orchestrator.checks.engine import Report, check_paths, expand_paths
from orchestrator.checks.model import Finding, RuleSet, Verdict
from orchestrator.checks.rulesets import (
    RuleSetError,
    apply_override,
    load_named_ruleset,
    load_override,
    load_ruleset,
)

EXIT_CODES = {Verdict.PASS: 0, Verdict.REVIEW: 10, Verdict.BLOCK: 20}
PROGRESS_FROM_BYTES = 64 * 1024 * 1024
_COLOURS = {"pass": "green", "review": "yellow", "block": "red"}


def load_rules(
    rules_path: Path | None, tier: int | None, limits: Path | None, project: Path | None
) -> RuleSet:
    """The effective rule set: base, then operator limits, then a tighten-only project override."""
    if rules_path is not None and tier is not None:
        raise click.UsageError("give either --rules or --tier, not both")
    if rules_path is not None:
        rules = load_ruleset(rules_path)
    else:
        rules = load_named_ruleset(f"tier{tier}" if tier is not None else "default")
    if limits is not None:
        rules = apply_override(rules, load_override(limits), str(limits), tighten_only=False)
    if project is not None:
        rules = apply_override(rules, load_override(project), str(project), tighten_only=True)
    return rules


def describe_location(finding: Finding) -> str:
    loc = finding.location
    parts = []
    if loc.member is not None:
        parts.append(f"in {loc.member}")
    if loc.line is not None:
        parts.append(f"line {loc.line}")
    if loc.row is not None:
        parts.append(f"row {loc.row}")
    if loc.column is not None:
        parts.append(f"column {loc.column}")
    if loc.offset is not None:
        parts.append(f"byte {loc.offset}")
    return ", ".join(parts)


def render_text(report: Report, colour: bool) -> str:
    """The report for people: a line per file, then its findings."""

    def paint(text: str, verdict: str) -> str:
        return click.style(text, fg=_COLOURS[verdict], bold=True) if colour else text

    lines = [
        f"rule set {report.ruleset_id} {report.ruleset_version} (engine {report.engine_version})"
    ]
    for file in report.files:
        verdict = str(file.verdict)
        lines.append(
            f"{paint(verdict.upper().ljust(6), verdict)} {file.path}  [{file.type}, {file.size:,} bytes]"
        )
        for finding in file.findings:
            where = describe_location(finding)
            suffix = f" ({where})" if where else ""
            lines.append(
                f"    {paint(str(finding.severity).ljust(6), str(finding.severity))} {finding.rule}: {finding.message}{suffix}"
            )
    counts = {v: sum(1 for f in report.files if f.verdict == v) for v in Verdict}
    summary = ", ".join(f"{counts[v]} {v}" for v in Verdict)
    lines.append(
        f"{len(report.files)} file(s): {summary} -> {paint(str(report.verdict), str(report.verdict))}"
    )
    return "\n".join(lines)


@click.command("check")
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Rule-set file to apply (default: policies/default.yaml).",
)
@click.option(
    "--tier", type=click.IntRange(0, 3), help="Apply the tier profile policies/tiers/tierN.yaml."
)
@click.option(
    "--limits",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Operator limits applied on top of the rule set.",
)
@click.option(
    "--project",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Project override; may only tighten.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--clamav-db",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="TRE_CLAMAV_DATABASE",
    help="ClamAV signature database folder [default: /var/lib/clamav].",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
def check(
    rules_path: Path | None,
    tier: int | None,
    limits: Path | None,
    project: Path | None,
    output_format: str,
    clamav_db: Path | None,
    paths: tuple[Path, ...],
) -> None:
    """Check files for export: exit 0 pass, 10 review, 20 block, 2 usage or configuration error."""
    try:
        rules = load_rules(rules_path, tier, limits, project)
    except RuleSetError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    scanner = ClamAVScanner(clamav_db)
    total = sum(
        p.stat().st_size for _, p in expand_paths(paths) if p.is_file() and not p.is_symlink()
    )
    if total >= PROGRESS_FROM_BYTES and sys.stderr.isatty():
        with click.progressbar(length=total, file=sys.stderr, label="checking") as bar:
            report = check_paths(list(paths), rules, scanner=scanner, on_progress=bar.update)
    else:
        report = check_paths(list(paths), rules, scanner=scanner)
    if output_format == "json":
        click.echo(report.to_json())
    else:
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(render_text(report, colour), color=colour)
    sys.exit(EXIT_CODES[report.verdict])
