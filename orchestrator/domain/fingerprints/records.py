"""The trace store's JSON records: project marks and release fingerprints, as plain dicts."""

from __future__ import annotations

from typing import Any

from orchestrator.domain.fingerprints.copies import ProjectMarks
from orchestrator.domain.fingerprints.releases import ReleaseFingerprint


class StoreRecordError(ValueError):
    """A record in the trace store is not one this version wrote."""


def marks_to_record(marks: ProjectMarks) -> dict[str, Any]:
    """A project copy's marks as a JSON-ready dict (digests as sorted hex strings)."""
    return {
        "kind": "project-copy",
        "project": marks.project,
        "dataset": marks.dataset,
        "keyId": marks.key_id,
        "columns": list(marks.columns),
        "rows": marks.rows,
        "perturbedColumns": list(marks.perturbed_columns),
        "maxSteps": marks.max_steps,
        "modulus": marks.modulus,
        "canaryDigests": [f"{d:016x}" for d in sorted(marks.canary_digests)],
        "perturbedDigests": [f"{d:016x}" for d in sorted(marks.perturbed_digests)],
    }


def release_to_record(release: ReleaseFingerprint) -> dict[str, Any]:
    """A release fingerprint as a JSON-ready dict."""
    return {
        "kind": "release",
        "project": release.project,
        "release": release.release,
        "file": release.file,
        "sha256": release.sha256,
        "rows": release.rows,
        "columns": list(release.columns),
        "sketch": [f"{d:016x}" for d in release.sketch],
    }


def _hexes(record: dict[str, Any], name: str) -> list[int]:
    return [int(h, 16) for h in record[name]]


def marks_from_record(record: dict[str, Any]) -> ProjectMarks:
    """Read back what ``marks_to_record`` wrote."""
    try:
        return ProjectMarks(
            project=str(record["project"]),
            dataset=str(record["dataset"]),
            key_id=str(record["keyId"]),
            columns=tuple(record["columns"]),
            rows=int(record["rows"]),
            canary_digests=frozenset(_hexes(record, "canaryDigests")),
            perturbed_columns=tuple(record["perturbedColumns"]),
            max_steps=int(record["maxSteps"]),
            modulus=int(record["modulus"]),
            perturbed_digests=frozenset(_hexes(record, "perturbedDigests")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreRecordError(f"not a project-copy record: {exc}") from exc


def release_from_record(record: dict[str, Any]) -> ReleaseFingerprint:
    """Read back what ``release_to_record`` wrote."""
    try:
        return ReleaseFingerprint(
            project=str(record["project"]),
            release=str(record["release"]),
            file=str(record["file"]),
            sha256=str(record["sha256"]),
            rows=int(record["rows"]),
            columns=tuple(record["columns"]),
            sketch=tuple(_hexes(record, "sketch")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreRecordError(f"not a release record: {exc}") from exc
