"""The SATRE v2 compliance table, generated from the specification and a mapping.

``docs/satre/satre-v2-specification.yaml`` is the published specification
(unmodified). ``docs/satre-mapping.yaml`` is maintained by hand: for each
statement id, a status, the tests that show it, and a note. This module checks
the mapping against the specification and writes ``docs/satre-compliance.md``
(registered in :mod:`orchestrator.cli.generated`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from orchestrator.embedded.paths import REPO_ROOT

SPECIFICATION = REPO_ROOT / "docs" / "satre" / "satre-v2-specification.yaml"
MAPPING = REPO_ROOT / "docs" / "satre-mapping.yaml"
STATUSES = ("met", "partly", "planned", "not applicable")


class MappingError(ValueError):
    """The hand-maintained mapping does not fit the specification."""


@dataclass(frozen=True)
class Statement:
    """One SATRE capability statement."""

    id: str
    pillar: str
    capability: str
    capability_index: str
    text: str
    importance: str


@dataclass(frozen=True)
class Assessment:
    """How this project stands against one statement."""

    status: str
    evidence: tuple[str, ...]
    note: str


def load_statements(path: Path = SPECIFICATION) -> list[Statement]:
    """The specification's statements, in published order."""
    raw = cast(dict[str, Any], yaml.safe_load(path.read_text()))
    return [
        Statement(
            id=str(item["requirement_index"]),
            pillar=str(item["pillar"]),
            capability=str(item["capability"]),
            capability_index=str(item["capability_index"]),
            text=" ".join(str(item["statement"]).split()),
            importance=str(item["importance"]),
        )
        for item in raw["specification"]
    ]


def load_mapping(path: Path = MAPPING) -> dict[str, Assessment]:
    """The hand-maintained assessments, checked for shape."""
    raw = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected a mapping of statement id to assessment")
    mapping: dict[str, Assessment] = {}
    for key, entry in raw.items():
        where = f"{path.name}: statement {key}"
        if not isinstance(entry, dict):
            raise MappingError(f"{where}: expected keys status, evidence, note")
        unknown = set(entry) - {"status", "evidence", "note"}
        if unknown:
            raise MappingError(f"{where}: unknown keys {sorted(unknown)}")
        status = entry.get("status")
        if status not in STATUSES:
            raise MappingError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
        evidence = entry.get("evidence") or []
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            raise MappingError(f"{where}: evidence must be a list of test paths")
        if status == "met" and not evidence:
            raise MappingError(f"{where}: 'met' needs at least one test path as evidence")
        mapping[str(key)] = Assessment(
            status=str(status), evidence=tuple(evidence), note=str(entry.get("note") or "")
        )
    return mapping


def check_coverage(statements: list[Statement], mapping: dict[str, Assessment]) -> None:
    """Raise unless the mapping assesses every statement and nothing else."""
    ids = {s.id for s in statements}
    missing = [s.id for s in statements if s.id not in mapping]
    unknown = sorted(set(mapping) - ids)
    if missing:
        raise MappingError(f"{MAPPING.name} has no assessment for {', '.join(missing)}")
    if unknown:
        raise MappingError(f"{MAPPING.name} names statements the specification lacks: {unknown}")


def missing_evidence(mapping: dict[str, Assessment], root: Path = REPO_ROOT) -> list[str]:
    """Evidence entries naming a test file (or ``file::test``) that does not exist."""
    problems: list[str] = []
    for key, assessment in mapping.items():
        for entry in assessment.evidence:
            file_part, _, test_name = entry.partition("::")
            target = root / file_part
            if not target.is_file():
                problems.append(f"{key}: {file_part} does not exist")
            elif test_name and f"def {test_name}(" not in target.read_text():
                problems.append(f"{key}: {file_part} has no test {test_name}")
    return problems


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"


def render_compliance() -> str:
    """``docs/satre-compliance.md``: the specification with this project's status."""
    statements = load_statements()
    mapping = load_mapping()
    check_coverage(statements, mapping)
    counts = Counter((mapping[s.id].status, s.importance.rstrip("*")) for s in statements)
    importances = ("Mandatory", "Recommended", "Optional")
    lines = [
        "# SATRE v2 compliance",
        "",
        "<!-- Generated from docs/satre/satre-v2-specification.yaml and"
        " docs/satre-mapping.yaml by `make generate`; edit the mapping, not this file. -->",
        "",
        "How TRE Orchestrator stands against each statement of the",
        "[SATRE v2 specification](https://satre-specification.readthedocs.io/)"
        " (CC-BY-4.0). Status:",
        "",
        "- **met**: the software does this, and the named test shows it;",
        "- **partly**: some of it is done (the note says what is missing);",
        "- **planned**: the software is meant to do this and does not yet;",
        "- **not applicable**: an organisational duty of whoever operates the TRE,"
        " or a federation matter, which software cannot meet on its own.",
        "",
        "A statement is only marked met with an existing test as evidence;"
        " `tests/unit/test_satre_mapping.py` checks that every named test exists.",
        "",
        "| Status | " + " | ".join(importances) + " |",
        "|---|" + "---|" * len(importances),
    ]
    for status in STATUSES:
        row = [str(counts[(status, imp)]) for imp in importances]
        lines.append(f"| {status} | " + " | ".join(row) + " |")
    current: tuple[str, str] | None = None
    for statement in statements:
        heading = (statement.pillar, statement.capability)
        if heading != current:
            if current is None or current[0] != statement.pillar:
                lines += ["", f"## {statement.pillar}"]
            lines += [
                "",
                f"### {statement.capability_index} {statement.capability}",
                "",
                "| ID | Statement | Importance | Status | Evidence | Note |",
                "|---|---|---|---|---|---|",
            ]
            current = heading
        assessment = mapping[statement.id]
        evidence = "<br>".join(f"`{e}`" for e in assessment.evidence)
        lines.append(
            f"| {statement.id} | {_cell(statement.text)} | {statement.importance} "
            f"| {assessment.status} | {evidence or '—'} | {_cell(assessment.note)} |"
        )
    lines.append("")
    return "\n".join(lines)
