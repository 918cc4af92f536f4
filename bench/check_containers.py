"""Memory and report size of the export-check engine on containers built to exhaust them.

Builds, in the same run: a workbook holding millions of short shared strings (by
default 2.8 million, as in the case that once took 477 MiB) and a zip of thousands of
small members holding NHS numbers (tens of thousands of findings before they were
capped). Times, as the baseline, a child Python expanding and hashing every member,
and ``tre check`` (default rule set, every content scanner in this build), each in a
child process whose peak RSS is read with ``os.wait4``. Prints the engine's CPU as a
ratio of the baseline's, its peak RSS (goal: under 200 MB) and the JSON report's size
(goal: under 1 MB).

    .venv/bin/python bench/check_containers.py
    .venv/bin/python bench/check_containers.py --strings 500000 --members 1000
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_throughput import timed

OUT = Path(__file__).resolve().parent / "out"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
GOAL_RSS_MB = 200
GOAL_REPORT_MB = 1


def make_workbook(path: Path, strings: int) -> None:
    """A one-sheet workbook whose shared-strings part holds ``strings`` short strings."""
    rows = "".join(
        f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c><c r="B{i + 1}"><v>{10 + i % 90}</v></c></row>'
        for i in range(min(strings, 1000))
    )
    members = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="r1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            buffer = io.StringIO()
            for index in range(strings):
                buffer.write(f"<si><t>k{index:x}</t></si>")
                if index % 100_000 == 0:
                    part.write(buffer.getvalue().encode())
                    buffer = io.StringIO()
            part.write(buffer.getvalue().encode() + b"</sst>")


def make_finding_zip(path: Path, members: int) -> None:
    """A zip of ``members`` small members, each holding valid NHS numbers."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(members):
            archive.writestr(f"p{index}.txt", "patient 9434765919 seen\n" * 3)


EXPAND_AND_HASH = """
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    for info in archive.infolist():
        hashlib.sha256(archive.read(info)).hexdigest()
"""


def measure(path: Path, tre: str) -> None:
    base_seconds, _, _, base_cpu = timed([sys.executable, "-c", EXPAND_AND_HASH, str(path)])
    report = path.with_suffix(".report.json")
    done = subprocess.run(
        [tre, "check", "--format", "json", str(path)], capture_output=True, check=False
    )
    report.write_bytes(done.stdout)
    seconds, rss, status, cpu = timed([tre, "check", "--format", "json", str(path)])
    size_mb = path.stat().st_size / 1e6
    report_mb = report.stat().st_size / 1e6
    print(f"file            {path.name}: {size_mb:.1f} MB")
    print(f"expand + hash   {base_seconds:7.2f} s  CPU {base_cpu:6.2f} s")
    print(
        f"tre check       {seconds:7.2f} s  CPU {cpu:6.2f} s  peak RSS {rss:6.1f} MB  (exit {status})"
    )
    ratio = base_cpu / cpu if cpu else 0.0
    rss_verdict = "OK" if rss < GOAL_RSS_MB else "OVER"
    report_verdict = "OK" if report_mb < GOAL_REPORT_MB else "OVER"
    print(f"ratio           CPU {ratio:.3f} of expanding and hashing every member")
    print(f"memory          {rss_verdict}: peak RSS {rss:.0f} MB (goal < {GOAL_RSS_MB} MB)")
    print(
        f"report          {report_verdict}: {report_mb:.3f} MB of JSON (goal < {GOAL_REPORT_MB} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--strings", type=int, default=2_800_000, help="shared strings")
    parser.add_argument("--members", type=int, default=5_000, help="zip members with NHS numbers")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    tre = str(Path(sys.executable).parent / "tre")
    workbook = OUT / "strings.xlsx"
    findings = OUT / "findings.zip"
    make_workbook(workbook, args.strings)
    make_finding_zip(findings, args.members)
    try:
        measure(workbook, tre)
        measure(findings, tre)
    finally:
        for path in (workbook, findings):
            path.unlink(missing_ok=True)
            path.with_suffix(".report.json").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
