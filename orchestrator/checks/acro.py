"""ACRO ``results.json``: verify the evidence, recompute each output's verdict, trust nothing.

ACRO (the SDC library researchers call from their notebooks) writes, in its output
folder, ``results.json`` (one entry per output: status, the files, and per check the
cells it flagged), the output tables as CSV, ``config.json`` (the risk appetite it ran
with) and ``checksums/<file>.txt`` (SHA-256 of every file). Its own ``status`` is not
taken on trust: ACRO 1.0.2 reports ``review`` for a ``margins=True, suppress=True``
crosstab in which it left disclosive cells unsuppressed. So for each output:

- every file is checked against its recorded checksum (a missing file, a missing
  checksum or a mismatch blocks: the evidence does not describe what is leaving);
- frequency tables are re-checked cell by cell from the CSV itself with this rule
  set's threshold and zero rules (margins included);
- every cell ACRO's threshold, dominance (N,K) or p% checks flagged must be empty
  (suppressed) in the released CSV; one that still holds a value blocks;
- ACRO's parameters must be at least as strict as this rule set's, or its dominance
  and p% evidence proves nothing and the output needs review;
- the checksums are unsigned, so anyone who edits ``results.json`` can recompute them:
  nothing ACRO *says* lowers a verdict. A regression's residual degrees of freedom are
  read from its own table (an edited ``pass`` does not release a regression that
  failed), every output that is not a table goes to review whatever its status, and a
  file in the folder that ``results.json`` does not describe is reported (it is checked
  on its own like any other file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestrator.checks.content_rules import param
from orchestrator.checks.model import Finding, Location, Rule, RuleSet, Severity

EVIDENCE = "tables.acro_evidence"
MIN_CELL = "tables.min_cell_count"
ZEROS = "tables.zeros"
DOMINANCE = "tables.dominance"
P_PERCENT = "tables.p_percent"

# ACRO's check names -> our rule, and the defaults ACRO 1.0.2 ships with.
_CHECK_RULES = {
    "MinimumThresholdCheck": MIN_CELL,
    "PresenceOfZeroCheck": ZEROS,
    "NKCheck": DOMINANCE,
    "PPercentCheck": P_PERCENT,
}
_ACRO_DEFAULTS = {
    "safe_threshold": 10,
    "safe_nk_n": 2,
    "safe_nk_k": 0.9,
    "safe_pratio_p": 0.1,
    "zeros_are_disclosive": True,
}
_EMPTY = frozenset({"", "nan", "NaN", "None", "null"})
_ACRO_MIN_DOF = 10  # ACRO 1.0.2's safe_dof_threshold: a config.json may raise it, never lower it
_DOF = re.compile(rb"Df Residuals:\s*,\s*\"?(-?\d+(?:\.\d+)?)")
_ACRO_OWN = frozenset({"results.json", "config.json"})


def looks_like_acro_results(doc: object) -> bool:
    """True for the parsed ``results.json`` an ACRO session writes."""
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        return False
    tool = doc.get("tool")
    if isinstance(tool, dict) and tool.get("name") == "ACRO":
        return True
    entries = list(doc["results"].values())
    return bool(entries) and all(
        isinstance(e, dict) and "files" in e and "status" in e for e in entries
    )


class _Checker:
    def __init__(self, doc: dict[str, Any], base_dir: Path, rules: RuleSet) -> None:
        self.doc = doc
        self.base = base_dir
        self.rules = rules
        self.findings: list[Finding] = []
        self.evidence_severity = self._severity(EVIDENCE) or Severity.BLOCK
        self.dof: list[tuple[str, str, bytes]] = []  # regression outputs' verified files

    def _severity(self, rule_id: str) -> Severity | None:
        rule = self.rules.get(rule_id)
        return rule.severity if rule is not None else None

    def _rule(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def add(self, rule: str, severity: Severity, message: str, where: Location) -> None:
        self.findings.append(Finding(rule, severity, message, where))

    def evidence(self, message: str, where: Location, severity: Severity | None = None) -> None:
        if self.rules.get(EVIDENCE) is not None:
            self.add(EVIDENCE, severity or self.evidence_severity, message, where)

    # --- checksums --------------------------------------------------------------------

    def read_verified(self, name: str) -> bytes | None:
        """The file's bytes if it is present and matches ACRO's checksum, else None (reported)."""
        where = Location(member=name)
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            self.evidence(f"ACRO lists an output file with an unsafe name {name!r}", where)
            return None
        path = self.base / name
        if not path.is_file():
            self.evidence("a file ACRO lists is missing from the folder beside results.json", where)
            return None
        data = path.read_bytes()
        recorded = self.base / "checksums" / f"{name}.txt"
        if not recorded.is_file():
            self.evidence(
                "no checksum recorded by ACRO for this file (checksums/ is incomplete)", where
            )
            return None
        expected = recorded.read_text(encoding="utf-8", errors="replace").strip().lower()
        if hashlib.sha256(data).hexdigest() != expected:
            self.evidence(
                "file changed after ACRO wrote it: its SHA-256 does not match checksums/", where
            )
            return None
        return data

    # --- ACRO's parameters --------------------------------------------------------------

    def acro_config(self) -> dict[str, Any]:
        path = self.base / "config.json"
        if not path.is_file():
            self.evidence(
                "ACRO's config.json is missing: assuming ACRO's shipped defaults for its evidence",
                Location(member="config.json"),
                Severity.REVIEW,
            )
            return dict(_ACRO_DEFAULTS)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.evidence("ACRO's config.json is not valid JSON", Location(member="config.json"))
            return dict(_ACRO_DEFAULTS)
        return {**_ACRO_DEFAULTS, **(loaded if isinstance(loaded, dict) else {})}

    def laxer_parameters(self, config: dict[str, Any]) -> dict[str, str]:
        """Our rule -> why ACRO's evidence for it is weaker than this rule set asks."""
        lax: dict[str, str] = {}
        dom, pp, thr = self._rule(DOMINANCE), self._rule(P_PERCENT), self._rule(MIN_CELL)
        try:
            if dom is not None and (
                float(config["safe_nk_k"]) > float(param(dom, "k"))
                or int(config["safe_nk_n"]) < int(param(dom, "n"))
            ):
                lax[DOMINANCE] = (
                    f"ACRO ran N,K = {config['safe_nk_n']}, {config['safe_nk_k']};"
                    f" this rule set requires {param(dom, 'n')}, {param(dom, 'k')}"
                )
            if pp is not None and float(config["safe_pratio_p"]) < float(param(pp, "p")):
                lax[P_PERCENT] = (
                    f"ACRO ran p = {config['safe_pratio_p']}; this rule set requires {param(pp, 'p')}"
                )
            if thr is not None and int(config["safe_threshold"]) < int(param(thr, "threshold")):
                lax[MIN_CELL] = (
                    f"ACRO ran threshold {config['safe_threshold']};"
                    f" this rule set requires {param(thr, 'threshold')}"
                )
        except (TypeError, ValueError, KeyError):
            self.evidence(
                "ACRO's config.json holds parameters that are not numbers",
                Location(member="config.json"),
            )
        return lax

    # --- one output ----------------------------------------------------------------------

    def check_output(self, uid: str, entry: dict[str, Any], lax: dict[str, str]) -> None:
        reported = entry.get("status")
        note = f" (ACRO reported status {reported!r})"
        files = _list(entry.get("files"))
        if "DONT_RELEASE" in uid:
            for f in files:
                name = f.get("name", "") if isinstance(f, dict) else ""
                self.evidence(
                    "ACRO marks this file for the output checker only (DONT_RELEASE)",
                    Location(member=name),
                    Severity.REVIEW,
                )
            return
        for f in files:
            if not isinstance(f, dict):
                self.evidence(f"output {uid}: a file entry is not an object", Location(member=uid))
                continue
            name = str(f.get("name", ""))
            data = self.read_verified(name)
            if data is not None and entry.get("type") == "regression":
                self.dof.append((uid, name, data))
            if data is None or entry.get("type") != "table" or not name.lower().endswith(".csv"):
                if data is not None and entry.get("type") not in ("table", "custom"):
                    self._non_table(uid, entry, name, note)
                continue
            sdc = _dict(f.get("sdc"))
            self.check_table(uid, entry, name, data, sdc, lax, note)

    def _non_table(self, uid: str, entry: dict[str, Any], name: str, note: str) -> None:
        summary = entry.get("summary", "")
        failed = isinstance(summary, str) and "fail" in summary
        if failed or entry.get("status") != "pass":
            why = "ACRO's checks flagged it"
        else:
            why = "ACRO's status cannot be verified (its checksums are unsigned)"
        self.evidence(
            f"output {uid} ({entry.get('type')}): {why}; a reviewer must judge it{note}",
            Location(member=name),
            Severity.REVIEW,
        )

    def check_regressions(self, config: dict[str, Any]) -> None:
        """Residual degrees of freedom, read from each regression's own table."""
        try:
            floor = max(_ACRO_MIN_DOF, int(config.get("safe_dof_threshold", _ACRO_MIN_DOF)))
        except (TypeError, ValueError):
            floor = _ACRO_MIN_DOF
        seen: dict[str, bool] = {}
        for uid, name, data in self.dof:
            found = _DOF.search(data)
            seen[uid] = seen.get(uid, False) or found is not None
            if found is not None and float(found.group(1)) < floor:
                self.evidence(
                    f"output {uid} (regression): {found.group(1).decode()} residual degrees of freedom,"
                    f" fewer than {floor} (read from the table itself, whatever results.json says)",
                    Location(member=name),
                )
        for uid, dof_found in seen.items():
            if not dof_found:
                self.evidence(
                    f"output {uid} (regression): no residual degrees of freedom in its files,"
                    " so ACRO's verdict cannot be verified",
                    Location(member=uid),
                )

    def check_coverage(self, results: dict[str, Any]) -> None:
        """Report every file in the folder that results.json does not describe."""
        described = set(_ACRO_OWN)
        for entry in results.values():
            for f in _list(entry.get("files") if isinstance(entry, dict) else None):
                if isinstance(f, dict):
                    described.add(str(f.get("name", "")))
        for path in sorted(self.base.iterdir()):
            if path.name not in described and not (path.is_dir() and path.name == "checksums"):
                self.evidence(
                    "not described in ACRO's results.json: ACRO's evidence does not cover it,"
                    " so it is judged only by its own checks",
                    Location(member=path.name),
                    Severity.REVIEW,
                )

    def check_table(
        self,
        uid: str,
        entry: dict[str, Any],
        name: str,
        data: bytes,
        sdc: dict[str, Any],
        lax: dict[str, str],
        note: str,
    ) -> None:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8", "replace"))))
        outcome = _dict(entry.get("outcome"))
        columns = list(outcome.values())
        n_cols = len(columns)
        n_rows = len(columns[0]) if columns and isinstance(columns[0], dict) else 0
        regular = all(isinstance(c, dict) and len(c) == n_rows for c in columns)
        if not rows or not n_cols or not n_rows or not regular or n_rows >= len(rows):
            self.evidence(
                f"output {uid}: the table does not match ACRO's description of it{note}",
                Location(member=name),
            )
            return
        head = len(rows) - n_rows
        index_cols = len(rows[-1]) - n_cols
        if index_cols < 0 or any(len(r) != index_cols + n_cols for r in rows[head:]):
            self.evidence(
                f"output {uid}: the table's shape does not match ACRO's outcome{note}",
                Location(member=name),
            )
            return

        def where(r: int, c: int) -> Location:
            column = "/".join(x for x in (rows[h][index_cols + c] for h in range(head)) if x)
            return Location(row=head + r + 1, column=column or index_cols + c + 1, member=name)

        def value(r: int, c: int) -> str:
            return rows[head + r][index_cols + c].strip()

        # 1. Frequency tables: recompute the counts' checks from the released cells.
        if _is_frequency(entry):
            self.recompute_counts(uid, n_rows, n_cols, value, where, note)
        # 2. Every cell ACRO flagged must have been suppressed in what leaves.
        cells = _dict(sdc.get("cells"))
        for check, positions in cells.items():
            rule_id = _CHECK_RULES.get(check)
            if rule_id is None or not isinstance(positions, list):
                continue
            severity = self._severity(rule_id)
            if severity is None or (_is_frequency(entry) and rule_id in (MIN_CELL, ZEROS)):
                continue  # disabled, or already judged from the counts themselves
            for pos in positions:
                if not (
                    isinstance(pos, list) and len(pos) == 2 and all(isinstance(p, int) for p in pos)
                ):
                    continue
                r, c = pos
                if 0 <= r < n_rows and 0 <= c < n_cols and value(r, c) not in _EMPTY:
                    self.add(
                        rule_id,
                        severity,
                        f"output {uid}: cell flagged by ACRO's {check} is not suppressed{note}",
                        where(r, c),
                    )
        # 3. Dominance and p% evidence exists only in results.json, which anyone can edit
        # (its checksums are unsigned): for a table of values rather than counts, judged
        # from the released cells themselves, a reviewer must look whatever it claims.
        judged = [r for r in (DOMINANCE, P_PERCENT) if self._severity(r) is not None]
        if judged and not _all_whole(value(r, c) for r in range(n_rows) for c in range(n_cols)):
            self.evidence(
                f"output {uid}: a table of values whose dominance and p% evidence comes only"
                " from results.json, which is not signed; a reviewer must judge its cells",
                Location(member=name),
                Severity.REVIEW,
            )
        # 4. Evidence computed with looser parameters proves nothing for this rule set.
        for rule_id, why in lax.items():
            if rule_id == MIN_CELL and _is_frequency(entry):
                continue
            if rule_id in (DOMINANCE, P_PERCENT) and not _has_check(entry, rule_id):
                continue
            self.add(
                rule_id,
                Severity.REVIEW,
                f"output {uid}: ACRO's evidence is weaker than this rule set: {why}",
                Location(member=name),
            )

    def recompute_counts(
        self, uid: str, n_rows: int, n_cols: int, value: Any, where: Any, note: str
    ) -> None:
        thr_rule, zero_rule = self._rule(MIN_CELL), self._rule(ZEROS)
        threshold = int(param(thr_rule, "threshold")) if thr_rule is not None else None
        for r in range(n_rows):
            for c in range(n_cols):
                text = value(r, c)
                if text in _EMPTY:
                    continue  # suppressed
                try:
                    number = float(text)
                except ValueError:
                    continue
                if number == 0 and zero_rule is not None:
                    self.add(
                        ZEROS, zero_rule.severity, f"output {uid}: zero count{note}", where(r, c)
                    )
                elif threshold is not None and thr_rule is not None and 0 < number < threshold:
                    self.add(
                        MIN_CELL,
                        thr_rule.severity,
                        f"output {uid}: count below the minimum of {threshold}{note}",
                        where(r, c),
                    )


def _all_whole(cells: Iterable[str]) -> bool:
    """True when every numeric cell is a whole number (a table of counts, not of values)."""
    for text in cells:
        try:
            number = float(text)
        except ValueError:
            continue
        if math.isfinite(number) and number != int(number):
            return False
    return True


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_frequency(entry: dict[str, Any]) -> bool:
    fair = _dict(entry.get("fair"))
    summary = entry.get("summary", "")
    return fair.get("statbarn") == "Frequencies" or (
        isinstance(summary, str) and summary.startswith("FrequencyTable")
    )


def _has_check(entry: dict[str, Any], rule_id: str) -> bool:
    fair = _dict(entry.get("fair"))
    needed = fair.get("checks_needed", [])
    names = [k for k, v in _CHECK_RULES.items() if v == rule_id]
    return isinstance(needed, list) and any(n in needed for n in names)


def check_acro_results(doc: dict[str, Any], base_dir: Path, rules: RuleSet) -> list[Finding]:
    """Findings for an ACRO output folder described by ``doc`` (its ``results.json``)."""
    checker = _Checker(doc, base_dir, rules)
    results = doc.get("results")
    if not isinstance(results, dict):
        checker.evidence("results.json has no `results` object", Location(member="results.json"))
        return checker.findings
    raw = checker.read_verified("results.json")
    if raw is not None and json.loads(raw) != doc:
        checker.evidence(
            "results.json on disk differs from the document checked",
            Location(member="results.json"),
        )
    config = checker.acro_config()
    lax = checker.laxer_parameters(config)
    for uid, entry in results.items():
        if isinstance(entry, dict):
            checker.check_output(str(uid), entry, lax)
        else:
            checker.evidence(
                f"output {uid}: entry is not an object", Location(member="results.json")
            )
    checker.check_regressions(config)
    checker.check_coverage(results)
    return checker.findings
