"""Adapting the export-check engine's report to the airlock's :class:`Checker` protocol.

The engine (``orchestrator.checks``) is called as ``check_paths(paths) -> Report``
where the report names each file by its path and carries its SHA-256. This adapter
maps results back to request file names, and refuses to trust a result whose hash
differs from the bytes the airlock handed over (those files are blocked).

:func:`make_engine_checker` wires it to a named or file rule set and ClamAV.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from orchestrator.adapters.clamav import ClamAVScanner
from orchestrator.checks.engine import check_paths
from orchestrator.checks.model import Finding, Severity, Verdict, verdict_of
from orchestrator.checks.rulesets import load_named_ruleset, load_ruleset
from orchestrator.domain.airlock.model import CheckReport, FileCheck

MISMATCH_RULE = "airlock.checked-other-bytes"


class EngineFileReport(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def findings(self) -> Sequence[Finding]: ...


class EngineReport(Protocol):
    @property
    def ruleset_id(self) -> str: ...
    @property
    def ruleset_version(self) -> str: ...
    @property
    def files(self) -> Sequence[EngineFileReport]: ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class EngineChecker:
    """A :class:`~orchestrator.services.airlock.ports.Checker` over the check engine."""

    def __init__(self, check_paths: Callable[[Sequence[Path]], EngineReport]) -> None:
        self._check_paths = check_paths

    def check(self, files: Mapping[str, Path]) -> CheckReport:
        names = {str(path): name for name, path in files.items()}
        report = self._check_paths(list(files.values()))
        results: dict[str, FileCheck] = {}
        for file_report in report.files:
            name = names.get(file_report.path)
            if name is None:
                continue
            findings = tuple(file_report.findings)
            if file_report.sha256 != _sha256(files[name]):
                findings = (
                    *findings,
                    Finding(
                        MISMATCH_RULE,
                        Severity.BLOCK,
                        "the checks read different bytes from those in quarantine",
                    ),
                )
            verdict = verdict_of([f.severity for f in findings])
            results[name] = FileCheck(verdict=verdict, findings=findings)
        # files the engine did not report stay absent: the service blocks them
        return CheckReport(
            ruleset_id=report.ruleset_id, ruleset_version=report.ruleset_version, files=results
        )


__all__ = ["EngineChecker", "EngineReport", "Verdict"]


def make_engine_checker(
    *,
    ruleset_name: str = "default",
    ruleset_file: Path | None = None,
    clamav_database: Path | None = None,
) -> EngineChecker:
    """The engine over a rule set loaded now, so a bad rule file stops start-up with its message."""
    rules = load_ruleset(ruleset_file) if ruleset_file else load_named_ruleset(ruleset_name)
    scanner = ClamAVScanner(clamav_database)
    return EngineChecker(lambda paths: check_paths(paths, rules, scanner=scanner))
