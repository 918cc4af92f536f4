"""Real ACRO sessions for the tests: small synthetic data, finalised into a temp folder."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def grants(dominated: bool = False) -> pd.DataFrame:
    """Grant records: year x grant_type with known counts, one cell empty, one small."""
    counts = {
        (2010, "A"): 20,
        (2010, "B"): 15,
        (2010, "C"): 3,
        (2011, "A"): 25,
        (2011, "B"): 12,
        (2011, "C"): 0,
    }
    rows = []
    for (year, grant), n in counts.items():
        for i in range(n):
            survivor = "Alive" if i % 3 else "Dead"
            value = 1000.0 + i
            if dominated and (year, grant) == (2010, "B") and i == 0:
                value = 1_000_000.0
            rows.append(
                {"year": year, "grant_type": grant, "survivor": survivor, "inc_grants": value}
            )
    frame = pd.DataFrame(rows)
    frame["grant_type"] = pd.Categorical(frame["grant_type"], categories=["A", "B", "C"])
    return frame


def run_acro(
    tmp_path: Path,
    session: Callable[[Any, pd.DataFrame], None],
    data: pd.DataFrame,
    suppress: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """Run ``session(acro, data)`` in a fresh ACRO, finalise to JSON, return the folder and results.json."""
    from acro import ACRO

    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        with warnings.catch_warnings():
            # ACRO 1.0.2 calls pandas APIs that newer pandas warns about (future changes,
            # chained assignment while suppressing cells): its warnings, not ours.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", pd.errors.SettingWithCopyWarning)
            acro = ACRO(suppress=suppress)
            session(acro, data)
            acro.finalise("out", "json")
    finally:
        os.chdir(cwd)
    out = tmp_path / "out"
    return out, json.loads((out / "results.json").read_text())
