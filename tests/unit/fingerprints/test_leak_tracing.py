"""Leak tracing: 20 projects share a dataset; a trimmed, shuffled XLSX copy names one of them.

Drives ``tre fingerprint copy``, ``tre fingerprint release`` and ``tre trace`` on real
files. The attack is the leaker's: keep 30 % of the rows, shuffle them, convert the CSV
to XLSX (numbers as numbers) so neither the bytes nor the row order survive.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from orchestrator.cli.main import cli

PROJECTS = [f"project-{n:02d}" for n in range(1, 21)]
REGIONS = [
    "north east",
    "north west",
    "yorkshire",
    "midlands",
    "east",
    "london",
    "south east",
    "wales",
]


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def _as_number(cell: str) -> object:
    try:
        return int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return cell


def _write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([_as_number(c) for c in row])
    book.save(path)


@pytest.fixture(scope="module")
def granted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-row cohort granted to 20 projects, each given its own fingerprinted copy."""
    root = tmp_path_factory.mktemp("granted")
    rng = random.Random(2026)
    header = ["participant_id", "age", "sex", "region", "bmi", "systolic_bp"]
    rows = [
        [
            f"UKB{n:07d}",
            str(rng.randint(40, 70)),
            rng.choice(["F", "M"]),
            rng.choice(REGIONS),
            f"{rng.gauss(27, 4):.1f}",
            str(rng.randint(95, 180)),
        ]
        for n in range(2000)
    ]
    _write_csv(root / "cohort.csv", header, rows)
    for number, project in enumerate(PROJECTS, start=1):
        (root / f"{project}.key").write_text(f"secret key {number} {rng.getrandbits(128)}\n")
        result = _run(
            "fingerprint",
            "copy",
            str(root / "cohort.csv"),
            "--project",
            project,
            "--key-file",
            str(root / f"{project}.key"),
            "--out",
            str(root / f"{project}.csv"),
            "--store",
            str(root / "store"),
        )
        assert result.exit_code == 0, result.output
    return root


def _trace(store: Path, *files: Path) -> tuple[int, dict[str, dict[str, list[dict[str, object]]]]]:
    result = CliRunner().invoke(
        cli, ["trace", *map(str, files), "--store", str(store), "--json"], catch_exceptions=False
    )
    return result.exit_code, json.loads(result.output)


def test_a_trimmed_shuffled_xlsx_leak_names_its_project_and_no_other(granted: Path) -> None:
    header, rows = _read_csv(granted / "project-13.csv")
    rng = random.Random(5)
    kept = rng.sample(rows, k=len(rows) * 30 // 100)
    leak = granted / "found-on-a-forum.xlsx"
    _write_xlsx(leak, header, kept)

    code, report = _trace(granted / "store", leak)

    assert code == 0
    matches = report[str(leak)]["projects"]
    assert [m["project"] for m in matches] == ["project-13"]
    assert matches[0]["dataset"] == "cohort.csv"
    assert matches[0]["confidence"] > 0.999999
    assert matches[0]["sampled"] == 603  # 30 % of 2,000 rows and 12 canaries
    assert matches[0]["perturbed"] + matches[0]["canaries"] == 603
    assert report[str(leak)]["releases"] == []


def test_every_projects_leak_is_traced_to_that_project_alone(granted: Path) -> None:
    for project in PROJECTS:
        header, rows = _read_csv(granted / f"{project}.csv")
        kept = random.Random(project).sample(rows, k=len(rows) * 30 // 100)
        leak = granted / f"leak-{project}.csv"
        _write_csv(leak, list(reversed(header)), [list(reversed(r)) for r in kept])
        code, report = _trace(granted / "store", leak)
        assert code == 0
        assert [m["project"] for m in report[str(leak)]["projects"]] == [project]


def test_the_original_dataset_names_no_project(granted: Path) -> None:
    code, report = _trace(granted / "store", granted / "cohort.csv")
    assert code == 1
    assert report[str(granted / "cohort.csv")]["projects"] == []


def _release_table(project_number: int) -> tuple[list[str], list[list[str]]]:
    """Each project's own released output: counts and mean blood pressure per cell."""
    rng = random.Random(project_number)
    header = ["region", "sex", "age_band", "participants", "mean_systolic_bp"]
    rows = [
        [region, sex, band, str(rng.randint(10, 400)), f"{rng.uniform(110, 150):.2f}"]
        for region in REGIONS
        for sex in ("F", "M")
        for band in ("40-49", "50-59", "60-70")
    ]
    return header, rows


def test_a_modified_copy_of_a_released_output_names_that_release(granted: Path) -> None:
    store = granted / "store"
    for number, project in enumerate(PROJECTS, start=1):
        header, rows = _release_table(number)
        output = granted / f"{project}-output.csv"
        _write_csv(output, header, rows)
        result = _run(
            "fingerprint",
            "release",
            str(output),
            "--project",
            project,
            "--release",
            f"req-{number:03d}",
            "--store",
            str(store),
        )
        assert result.exit_code == 0, result.output

    header, rows = _release_table(8)
    rng = random.Random(9)
    modified = rng.sample(rows, k=40)  # 8 of 48 rows dropped, the rest shuffled
    modified[0][3] = "999"  # and one count edited
    found = granted / "table-in-a-paper.xlsx"
    _write_xlsx(
        found,
        [header[i] for i in (4, 0, 1, 2, 3)],
        [[r[i] for i in (4, 0, 1, 2, 3)] for r in modified],
    )

    code, report = _trace(store, found)

    assert code == 0
    releases = report[str(found)]["releases"]
    assert [(r["project"], r["release"]) for r in releases] == [("project-08", "req-008")]
    assert releases[0]["file"] == "project-08-output.csv"
    assert releases[0]["jaccard"] == pytest.approx(39 / 49)
    assert releases[0]["containment"] == pytest.approx(39 / 40)
    assert report[str(found)]["projects"] == []


def test_unreadable_input_gets_a_clear_error(granted: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = CliRunner().invoke(cli, ["trace", str(broken), "--store", str(granted / "store")])
    assert result.exit_code == 1
    assert "broken.xlsx: cannot read it as xlsx" in result.output

    missing = CliRunner().invoke(
        cli, ["trace", str(tmp_path / "nope.csv"), "--store", str(granted / "store")]
    )
    assert missing.exit_code == 1
    assert "nope.csv: no such file" in missing.output

    no_store = CliRunner().invoke(
        cli, ["trace", str(granted / "cohort.csv"), "--store", str(tmp_path)]
    )
    assert no_store.exit_code == 1
    assert "not a trace store" in no_store.output


def test_a_parquet_leak_with_typed_columns_names_its_project(granted: Path) -> None:
    header, rows = _read_csv(granted / "project-04.csv")
    kept = random.Random(4).sample(rows, k=len(rows) // 2)
    leak = granted / "leak.parquet"
    columns = {name: [_as_number(r[i]) for r in kept] for i, name in enumerate(header)}
    columns["bmi"] = [float(v) for v in columns["bmi"]]
    pq.write_table(pa.table(columns), leak)

    code, report = _trace(granted / "store", leak)

    assert code == 0
    assert report[str(leak)]["format"] == "parquet"
    assert [m["project"] for m in report[str(leak)]["projects"]] == ["project-04"]


def test_the_human_report_names_the_project_and_its_evidence(granted: Path) -> None:
    header, rows = _read_csv(granted / "project-02.csv")
    leak = granted / "leak-02.csv"
    _write_csv(leak, header, rows[:300])
    result = _run("trace", str(leak), "--store", str(granted / "store"))
    assert result.exit_code == 0
    assert "project project-02 (copy of cohort.csv, key " in result.output
    assert "sampled rows carry its perturbations" in result.output
