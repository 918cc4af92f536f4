"""Fingerprinting a granted table, and tracing one found file against 1,000 projects.

Part 1 generates a cohort-like CSV of ``--size`` bytes (default 64M; ``--size 1G``),
then in the same run times ``sha256sum`` on it, ``tre fingerprint copy`` (the project's
fingerprinted copy: one pass to sample and count, one to write the copy and its marks)
and ``tre fingerprint release`` (the robust fingerprint of the same file as a release),
each in a child process whose peak RSS is read with ``os.wait4``. Prints MB/s and the
ratio of each to ``sha256sum``.

Part 2 builds a store of ``--projects`` (default 1,000) project copies of a
``--rows``-row table: the first 20 are real copies made by ``tre fingerprint copy``;
the rest are records of the same size (as many perturbed-row digests as a real copy's,
and 12 canary digests, random) so the store is as large as 1,000 real copies without
1,000 copies being written. A 30 % sample of one real copy, shuffled, is then traced
with ``tre trace``; prints the time, the peak RSS and whether the right project (and
no other) was named.

    .venv/bin/python bench/trace_fingerprints.py
    .venv/bin/python bench/trace_fingerprints.py --size 1G --projects 1000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from orchestrator.domain.fingerprints.copies import MARKS_KEPT

OUT = Path(__file__).resolve().parent / "out"
UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}
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
HEADER = ["participant_id", "age", "sex", "region", "bmi", "systolic_bp"]

TRAMPOLINE = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, 1)
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def timed(command: list[str], stdout: Path = Path("/dev/null")) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of ``command`` run as a grandchild."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", TRAMPOLINE, str(stdout), *command],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, max_rss_kib, status = done.stdout.split()
    return float(seconds), int(max_rss_kib) / 1024, int(status)


def cohort_rows(rng: random.Random, start: int, count: int) -> list[list[str]]:
    return [
        [
            f"UKB{n:09d}",
            str(rng.randint(40, 70)),
            rng.choice(["F", "M"]),
            rng.choice(REGIONS),
            f"{rng.gauss(27, 4):.1f}",
            str(rng.randint(95, 180)),
        ]
        for n in range(start, start + count)
    ]


def generate(path: Path, size: int) -> None:
    rng = random.Random(42)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        start = 0
        while handle.tell() < size:
            writer.writerows(cohort_rows(rng, start, 50_000))
            start += 50_000


def part_one(tre: str, size_text: str) -> bool:
    size = parse_size(size_text)
    path = OUT / f"cohort-{size_text}.csv"
    if not path.exists() or path.stat().st_size < size:
        print(f"generating {path} ({size / 1e6:,.0f} MB)", file=sys.stderr)
        generate(path, size)
    mb = path.stat().st_size / 1e6
    store = OUT / "store-throughput"
    shutil.rmtree(store, ignore_errors=True)
    key = OUT / "bench.key"
    key.write_text(secrets.token_hex(32))
    timed(["cat", str(path)])  # warm the page cache
    sha_s, sha_rss, _ = timed(["sha256sum", str(path)])
    copy_s, copy_rss, copy_status = timed(
        [
            tre,
            "fingerprint",
            "copy",
            str(path),
            "--project",
            "bench",
            "--key-file",
            str(key),
            "--out",
            str(OUT / "bench-copy.csv"),
            "--store",
            str(store),
        ]
    )
    release_s, release_rss, release_status = timed(
        [
            tre,
            "fingerprint",
            "release",
            str(path),
            "--project",
            "bench",
            "--release",
            "r1",
            "--store",
            str(store),
        ]
    )
    (OUT / "bench-copy.csv").unlink(missing_ok=True)
    print(f"file                 {path.name}: {mb:,.0f} MB")
    print(f"sha256sum            {sha_s:8.2f} s {mb / sha_s:8.1f} MB/s  peak RSS {sha_rss:7.1f} MB")
    for name, seconds, rss in (
        ("fingerprint copy", copy_s, copy_rss),
        ("fingerprint release", release_s, release_rss),
    ):
        print(
            f"{name:20} {seconds:8.2f} s {mb / seconds:8.1f} MB/s  peak RSS {rss:7.1f} MB"
            f"  ratio to sha256sum {sha_s / seconds:.4f}"
        )
    return copy_status == 0 and release_status == 0


def part_two(tre: str, projects: int, rows: int) -> bool:
    root = OUT / f"trace-{projects}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    dataset = root / "cohort.csv"
    with dataset.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(cohort_rows(random.Random(7), 0, rows))
    store = root / "store"
    real = min(20, projects)
    for n in range(real):
        (root / "key").write_text(f"key {n} {secrets.token_hex(16)}")
        subprocess.run(
            [
                tre,
                "fingerprint",
                "copy",
                str(dataset),
                "--project",
                f"project-{n:04d}",
                "--key-file",
                str(root / "key"),
                "--out",
                str(root / f"copy-{n:04d}.csv"),
                "--store",
                str(store),
            ],
            check=True,
            capture_output=True,
        )
    template = json.loads((store / "projects" / "project-0000--cohort.csv.json").read_text())
    rng = random.Random(3)
    for n in range(real, projects):
        record = dict(template, project=f"project-{n:04d}", keyId=f"{rng.getrandbits(64):016x}")
        modulus = record["modulus"]
        record["perturbedDigests"] = sorted(
            f"{rng.getrandbits(64) // modulus * modulus:016x}"
            for _ in range(len(template["perturbedDigests"]))
        )
        record["canaryDigests"] = sorted(f"{rng.getrandbits(64):016x}" for _ in range(12))
        (store / "projects" / f"project-{n:04d}--cohort.csv.json").write_text(json.dumps(record))
    with (root / "copy-0007.csv").open(newline="") as handle:
        header, *copy = list(csv.reader(handle))
    leak = root / "leak.csv"
    with leak.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(random.Random(1).sample(copy, k=len(copy) * 30 // 100))
    report = root / "report.json"
    seconds, rss, status = timed([tre, "trace", str(leak), "--store", str(store), "--json"], report)
    named = [m["project"] for m in json.loads(report.read_text())[str(leak)]["projects"]]
    print(
        f"trace                1 file ({len(copy) * 30 // 100} rows) against {projects} projects "
        f"({MARKS_KEPT} to {2 * MARKS_KEPT} digests each)"
    )
    print(f"                     {seconds:8.2f} s  peak RSS {rss:7.1f} MB  named {named}")
    return status == 0 and named == ["project-0007"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="64M", help="size of the generated CSV (e.g. 64M, 1G)")
    parser.add_argument("--projects", type=int, default=1000, help="projects in the trace store")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the dataset the projects share"
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    tre = shutil.which("tre", path=str(Path(sys.executable).parent)) or "tre"
    ok = part_one(tre, args.size)
    ok = part_two(tre, args.projects, args.rows) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
