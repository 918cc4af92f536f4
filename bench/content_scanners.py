"""Throughput of the content scanners alone on a clean CSV, against SHA-256.

Builds ~100 MB of clean CSV-like text in memory (ids, ONS-style area codes, sex, age
bands, ISO dates, floats, short free text, counts), then times, in the same run:
``hashlib.sha256`` over the bytes; the text scanner fed 1 MiB chunks of whole lines; and
the table scanner fed the rows (parsed beforehand by the csv module, not timed), with
and without its own pass over the cells.
Also times the ``sha256sum`` command on the same bytes (from a temporary file in the
page cache). Prints MB/s for each, the scanner's speed as a fraction of both, and peak RSS.

    .venv/bin/python bench/content_scanners.py [MEGABYTES]
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from orchestrator.checks.content_rules import default_content_rules
from orchestrator.checks.tables import make_table_scanner
from orchestrator.checks.text import make_text_scanner

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "north",
    "south",
    "east",
    "west",
    "clinic",
    "ward",
    "outcome",
    "follow",
    "up",
    "visit",
]


def clean_csv(megabytes: int, seed: int = 1) -> str:
    r = random.Random(seed)
    areas = [f"E0{r.randint(6000000, 6999999)}" for _ in range(300)]
    lines = ["patient_group,region,sex,age_band,visit_date,value,comment,count\n"]
    size = 0
    while size < 4_000_000:
        line = (
            f"{r.randint(1, 99999)},{r.choice(areas)},{r.choice('MF')},"
            f"{r.randint(1, 18) * 5}-{r.randint(1, 18) * 5 + 4},"
            f"{r.randint(2000, 2024)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d},"
            f"{r.random() * 1000:.6f},{' '.join(r.choices(WORDS, k=r.randint(1, 5)))},"
            f"{r.randint(0, 100000)}\n"
        )
        lines.append(line)
        size += len(line)
    block = "".join(lines)
    text = block * (megabytes * 1_000_000 // len(block) + 1)
    return text[: megabytes * 1_000_000].rsplit("\n", 1)[0] + "\n"


def chunks(text: str, size: int = 1 << 20) -> list[tuple[str, int]]:
    out, start, line = [], 0, 1
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end + 1
        out.append((text[start:end], line))
        line += text.count("\n", start, end)
        start = end
    return out


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    text = clean_csv(megabytes)
    data = text.encode()
    parts = chunks(text)
    t0 = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    sha = time.perf_counter() - t0
    sha_cmd = None
    if shutil.which("sha256sum"):
        with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
            handle.write(data)
            handle.flush()
            subprocess.run(
                ["sha256sum", handle.name], check=True, capture_output=True
            )  # warm cache
            t0 = time.perf_counter()
            subprocess.run(["sha256sum", handle.name], check=True, capture_output=True)
            sha_cmd = time.perf_counter() - t0
    scanner = make_text_scanner(default_content_rules())
    t0 = time.perf_counter()
    for chunk, first_line in parts:
        scanner.feed(chunk, first_line)
    findings = scanner.finish()
    scan = time.perf_counter() - t0
    rows = list(csv.reader(io.StringIO(text)))
    tables = make_table_scanner(default_content_rules(), "clean.csv")
    t0 = time.perf_counter()
    for row in rows:
        tables.feed_row(row)
    table_findings = tables.finish()
    table = time.perf_counter() - t0
    lean = make_table_scanner(default_content_rules(), "clean.csv", scan_cells=False)
    t0 = time.perf_counter()
    for row in rows:
        lean.feed_row(row)
    lean.finish()
    table_lean = time.perf_counter() - t0
    mb = len(data) / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"input            {mb:8.1f} MB clean CSV-like text, {len(findings)} findings")
    print(f"sha256 (hashlib) {mb / sha:8.0f} MB/s")
    if sha_cmd is not None:
        print(f"sha256sum        {mb / sha_cmd:8.0f} MB/s (the command, file in page cache)")
    print(f"text scanner     {mb / scan:8.0f} MB/s")
    print(f"ratio            {sha / scan:8.2f} of hashlib sha256")
    if sha_cmd is not None:
        print(
            f"ratio            {sha_cmd / scan:8.2f} of sha256sum (goal for the whole engine: >= 0.33)"
        )
    print(
        f"table scanner    {mb / table:8.0f} MB/s over {len(rows)} rows, {len(table_findings)} findings"
    )
    print(f"ratio            {sha / table:8.2f} of hashlib sha256")
    print(
        f"table, no cells  {mb / table_lean:8.0f} MB/s (scan_cells=False: cells left to the text scanner)"
    )
    print(f"ratio            {sha / table_lean:8.2f} of hashlib sha256")
    print(f"peak RSS         {peak:8.0f} MB (the test text and its parsed rows are held in memory)")


if __name__ == "__main__":
    main()
