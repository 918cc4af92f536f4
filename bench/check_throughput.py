"""Throughput and memory of the export-check engine on a large clean CSV or on text reports.

Generates a clean frequency-style CSV (no identifiers, all counts >= 10), or with
``--reports N`` a folder of N clean 15 MiB text reports, then in the same run times
``sha256sum`` on it and ``tre check`` (every content scanner in this build) on it,
each in a child process whose peak RSS is read with ``os.wait4``. Prints MB/s for both,
the ratio (goal: the engine at least a third of sha256sum's speed) and the engine's
peak RSS (goal: under 200 MB whatever the size).

By default ``tre check`` runs the default rule set, whose limits stop the cell checks
after 5,000 rows and block files over 16 MiB; ``--all-cells`` runs a rule set extending
it with those limits lifted, so every cell of the table is checked.

    .venv/bin/python bench/check_throughput.py --size 1G
    .venv/bin/python bench/check_throughput.py --size 1G --all-cells
    .venv/bin/python bench/check_throughput.py --reports 8
    .venv/bin/python bench/check_throughput.py --size 2G --keep   # memory flatness
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}
REGIONS = [
    "North East",
    "North West",
    "Yorkshire",
    "East Midlands",
    "West Midlands",
    "East",
    "London",
    "South East",
    "South West",
    "Wales",
]
GOAL_RATIO = 1 / 3
GOAL_RSS_MB = 200
REPORT_BYTES = 15 * 1024**2
ALL_CELLS_RULES = """\
id: bench-all-cells
version: "1"
description: The default rule set with the size and row limits lifted, so every cell is checked.
extends: default
rules:
  limits.file_size: {params: {max_bytes: 1099511627776}}
  limits.table_rows: {params: {max_rows: 4611686018427387904}}
"""
SENTENCES = [
    "The cohort was followed for a median of 6.2 years (IQR 3.1 to 9.8).",
    "Rates were standardised to the 2013 European Standard Population.",
    "Table 3 shows adjusted hazard ratios with 95% confidence intervals.",
    "Sensitivity analyses excluding the first year of follow-up gave similar results.",
    "Missing values for smoking status (12.4%) were imputed by chained equations.",
    "All counts below 10 were suppressed and totals rounded to the nearest 5.",
    "The model included age, sex, region, deprivation quintile and calendar year.",
    "Figure 2 plots the cumulative incidence by treatment group over 60 months.",
]


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def generate(path: Path, size: int) -> None:
    """A clean CSV of about ``size`` bytes, written in 4 MiB blocks of varied rows."""
    rng = random.Random(42)
    blocks = []
    for _ in range(8):
        rows = []
        length = 0
        while length < 4 * 1024 * 1024:
            row = (
                f"{rng.choice(REGIONS)},{rng.randint(2000, 2024)},{rng.choice(['female', 'male'])},"
                f"{rng.randint(10, 99999)},{rng.uniform(0, 100):.2f}\n"
            )
            rows.append(row)
            length += len(row)
        blocks.append("".join(rows).encode())
    with path.open("wb") as out:
        out.write(b"region,year,sex,count,rate\n")
        written = 0
        index = 0
        while written < size:
            block = blocks[index % len(blocks)]
            out.write(block)
            written += len(block)
            index += 1


def generate_reports(folder: Path, count: int) -> None:
    """``count`` clean text reports of :data:`REPORT_BYTES` each: paragraphs of prose."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = folder / f"report-{i:02d}.txt"
        if path.exists() and path.stat().st_size >= REPORT_BYTES:
            continue
        with path.open("w") as out:
            written = 0
            while written < REPORT_BYTES:
                paragraph = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(3, 8)))
                text = f"{paragraph}\n\n"
                out.write(text)
                written += len(text)


# A child's ru_maxrss includes the memory of the process it was forked from, so the
# measured command is forked from a small trampoline, which reports the grandchild's
# resource usage (os.wait4) and wall time on its stdout.
TRAMPOLINE = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status), cpu)
"""


def timed(command: list[str]) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit status, CPU seconds) of ``command`` as a grandchild."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", TRAMPOLINE, *command],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, max_rss_kib, status, cpu = done.stdout.split()
    return float(seconds), int(max_rss_kib) / 1024, int(status), float(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size", default="1G", help="size of the generated CSV (e.g. 256M, 1G, 2G)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument(
        "--all-cells", action="store_true", help="lift the row and size limits: check every cell"
    )
    parser.add_argument(
        "--reports", type=int, default=0, help="check N clean 15 MiB text reports instead"
    )
    args = parser.parse_args()
    size = parse_size(args.size)
    OUT.mkdir(exist_ok=True)
    rules: list[str] = []
    if args.all_cells:
        rules_file = OUT / "all-cells.yaml"
        rules_file.write_text(ALL_CELLS_RULES)
        rules = ["--rules", str(rules_file)]
    if args.reports:
        path = OUT / f"reports-{args.reports}"
        generate_reports(path, args.reports)
        files = sorted(str(p) for p in path.iterdir())
        actual = sum(p.stat().st_size for p in path.iterdir())
    else:
        path = OUT / f"clean-{args.size}.csv"
        if not path.exists() or path.stat().st_size < size:
            print(f"generating {path} ({size / 1e6:,.0f} MB)", file=sys.stderr)
            generate(path, size)
        files = [str(path)]
        actual = path.stat().st_size
    tre = shutil.which("tre", path=str(Path(sys.executable).parent)) or "tre"
    # Warm the page cache so both runs read from memory, then measure in the same run.
    timed(["cat", *files])
    # On a busy machine wall times swing; CPU time (user + system) is the steadier ratio.
    tiny = OUT / "tiny.csv"
    tiny.write_text("region,count\nLondon,10\n")
    start_seconds, _, _, start_cpu = timed([tre, "check", *rules, "--format", "json", str(tiny)])
    sha_seconds, sha_rss, _, sha_cpu = timed(["sha256sum", *files])
    engine_seconds, engine_rss, status, engine_cpu = timed(
        [tre, "check", *rules, "--format", "json", *files]
    )
    if status not in (0, 10, 20):
        print(f"tre check failed with exit status {status}", file=sys.stderr)
        return 1
    mb = actual / 1e6
    sha_speed, engine_speed = mb / sha_seconds, mb / engine_seconds
    ratio, cpu_ratio = engine_speed / sha_speed, sha_cpu / engine_cpu
    work_cpu = max(engine_cpu - start_cpu, 1e-9)
    print(f"file            {path.name}: {mb:,.0f} MB")
    print(
        f"sha256sum       {sha_seconds:7.2f} s  {sha_speed:8.1f} MB/s  CPU {sha_cpu:7.2f} s "
        f"({mb / sha_cpu:7.1f} MB/s)  peak RSS {sha_rss:6.1f} MB"
    )
    print(
        f"tre check       {engine_seconds:7.2f} s  {engine_speed:8.1f} MB/s  CPU {engine_cpu:7.2f} s "
        f"({mb / engine_cpu:7.1f} MB/s)  peak RSS {engine_rss:6.1f} MB  (exit {status})"
    )
    print(f"start-up        tre check on a tiny file: {start_seconds:.2f} s, CPU {start_cpu:.2f} s")
    print(
        f"ratio           wall {ratio:.2f}, CPU {cpu_ratio:.2f}, CPU without start-up "
        f"{sha_cpu / work_cpu:.2f} of sha256sum's speed (goal >= {GOAL_RATIO:.2f})"
    )
    print(
        f"memory          {'OK' if engine_rss < GOAL_RSS_MB else 'OVER'}: peak RSS {engine_rss:.0f} MB (goal < {GOAL_RSS_MB} MB)"
    )
    if not args.keep:
        if args.reports:
            shutil.rmtree(path)
        else:
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
