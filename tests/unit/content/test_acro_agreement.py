"""Agreement with ACRO: our table scanner flags exactly the cells ACRO's checks flag.

Synthetic tables in the spirit of ACRO's own test data (year, grant type, survivor,
size), safe and unsafe, from one to four dimensions, with zeros; ACRO 1.0.2 runs on
each, writes its table and results.json, and our scanner reads only the released CSV.
ACRO's threshold check (count < 10, zeros included) must equal our minimum-cell-count
plus zeros findings, and ACRO's zeros check our zeros findings. Dominance and p% need
contributor-level values, which only ACRO saw: there we check that ACRO's evidence in
results.json turns into findings on the same cells.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from orchestrator.checks.acro import check_acro_results

from .acro_sessions import run_acro
from .helpers import of_rule, rules, scan_table

CATEGORIES = {
    "year": ["2010", "2011", "2012"],
    "grant_type": ["A", "B", "C"],
    "survivor": ["Alive", "Dead"],
    "size": ["large", "small"],
}
UNSAFE_COUNTS = [0, 1, 3, 7, 9, 10, 12, 25, 40, 60]
SAFE_COUNTS = [10, 12, 25, 40, 60]


def records(dims: list[str], counts: list[int], seed: int) -> pd.DataFrame:
    """One row per contributor, with a count drawn per cell (zero cells are empty combinations)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for combo in itertools.product(*(CATEGORIES[d] for d in dims)):
        n = rng.choice(counts)
        rows += [dict(zip(dims, combo, strict=True), inc_grants=1000.0 + i) for i in range(n)]
    return pd.DataFrame(rows)


Session = Callable[[Any, pd.DataFrame], None]

CASES: dict[str, tuple[list[str], Session]] = {
    "1-D": (
        ["grant_type"],
        lambda acro, d: acro.pivot_table(
            d, index=["grant_type"], values="inc_grants", aggfunc="count"
        ),
    ),
    "2-D": (["year", "grant_type"], lambda acro, d: acro.crosstab(d.year, d.grant_type)),
    "3-D": (
        ["year", "survivor", "grant_type"],
        lambda acro, d: acro.crosstab([d.year, d.survivor], d.grant_type),
    ),
    "4-D": (
        ["year", "survivor", "grant_type", "size"],
        lambda acro, d: acro.crosstab([d.year, d.survivor], [d.grant_type, d["size"]]),
    ),
}


def acro_cells(out: Path, doc: dict[str, Any], check: str) -> set[tuple[int, str]]:
    """ACRO's flagged cells for ``check`` as (spreadsheet row, column name) in its CSV."""
    entry = doc["results"]["output_0"]
    sdc = entry["files"][0]["sdc"]
    with (out / entry["files"][0]["name"]).open(newline="") as handle:
        rows = list(csv.reader(handle))
    n_cols = len(entry["outcome"])
    n_rows = len(next(iter(entry["outcome"].values())))
    head, index_cols = len(rows) - n_rows, len(rows[-1]) - n_cols
    cells = set()
    for r, c in sdc["cells"].get(check, []):
        name = "/".join(x for x in (rows[h][index_cols + c] for h in range(head)) if x)
        cells.add((head + r + 1, name))
    return cells


def our_cells(out: Path, doc: dict[str, Any], rule: str) -> set[tuple[int, str]]:
    name = doc["results"]["output_0"]["files"][0]["name"]
    with (out / name).open(newline="") as handle:
        findings = scan_table(list(csv.reader(handle)))
    return {(f.location.row, f.location.column) for f in of_rule(findings, rule)}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    ("counts", "seed"), [(UNSAFE_COUNTS, 1), (UNSAFE_COUNTS, 2), (SAFE_COUNTS, 3)]
)
def test_same_cells_flagged_as_acro_threshold_and_zeros(
    tmp_path: Path, case: str, counts: list[int], seed: int
) -> None:
    dims, session = CASES[case]
    out, doc = run_acro(tmp_path, session, records(dims, counts, seed))
    threshold = acro_cells(out, doc, "MinimumThresholdCheck")
    zeros = acro_cells(out, doc, "PresenceOfZeroCheck")
    ours_small, ours_zero = (
        our_cells(out, doc, "tables.min_cell_count"),
        our_cells(out, doc, "tables.zeros"),
    )
    assert ours_small | ours_zero == threshold
    assert ours_zero == zeros
    if counts is SAFE_COUNTS:
        assert threshold == set()
    else:
        assert threshold, "the unsafe case must exercise the check"


@pytest.mark.parametrize("seed", [4, 5])
def test_same_cells_flagged_for_dominance_and_p_percent(tmp_path: Path, seed: int) -> None:
    data = records(["year", "grant_type"], SAFE_COUNTS, seed)
    rng = random.Random(seed)
    for year, grant in rng.sample(
        list(itertools.product(CATEGORIES["year"], CATEGORIES["grant_type"])), 3
    ):
        hit = data.index[(data.year == year) & (data.grant_type == grant)][0]
        data.loc[hit, "inc_grants"] = 10_000_000.0  # one contributor dominates its cell
    out, doc = run_acro(
        tmp_path,
        lambda acro, d: acro.crosstab(d.year, d.grant_type, values=d.inc_grants, aggfunc="mean"),
        data,
    )
    findings = check_acro_results(doc, out, rules())
    for check, rule in (("NKCheck", "tables.dominance"), ("PPercentCheck", "tables.p_percent")):
        acro = acro_cells(out, doc, check)
        assert len(acro) == 3
        assert {(f.location.row, f.location.column) for f in of_rule(findings, rule)} == acro
