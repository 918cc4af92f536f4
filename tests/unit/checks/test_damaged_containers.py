"""Damaged containers never pass: a container a standard reader cannot fully read is not passed.

Valid containers of every type the engine reads are mutated (bytes overwritten, the
file cut short). Whatever the damage, the engine does not crash and finishes within
a per-file bound; and when an independent reader (the standard library's zipfile,
tarfile, gzip, bz2 and lzma modules, Pillow's PNG verifier, the JSON parser, an XML
parser for office parts) cannot read the damaged file completely, the engine's
verdict is not ``pass``. PDFs, JPEGs and GIFs carry no checksums, so for them only
the first two properties are checked.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import XMLParser

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from orchestrator.checks.engine import check_file
from orchestrator.checks.model import RuleSet, Verdict
from orchestrator.checks.rulesets import load_named_ruleset
from tests.unit.checks.archive_files import make_tar, make_zip
from tests.unit.checks.doubles import Recorder
from tests.unit.checks.test_formats import gif, jpeg, notebook, pdf, png, stream

RULES: RuleSet = load_named_ruleset("default")
TIME_BOUND = 2.0
TABLE = b"group,n\na,30\nb,40\n"


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["group", "n"], ["a", 30], ["b", 40]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SEEDS: dict[str, bytes] = {
    "a.zip": make_zip({"a.csv": TABLE, "b/c.txt": b"hello\n"}),
    "a.xlsx": _xlsx(),
    "a.tar": make_tar({"a.csv": TABLE, "b.txt": b"hello\n" * 200}),
    "a.csv.gz": gzip.compress(TABLE, mtime=0),
    "a.csv.bz2": bz2.compress(TABLE),
    "a.csv.xz": lzma.compress(TABLE),
    "a.png": png({"Title": "counts by group"}),
    "a.ipynb": notebook([], source="print(30)"),
    "a.pdf": pdf(b"<< /Type /Catalog >>", stream(b"BT (Results) Tj ET", flate=True)),
    "a.jpg": jpeg(b"a comment"),
    "a.gif": gif(b"a comment"),
}


def _reads_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            archive.read(info)


def _reads_office(data: bytes) -> None:
    _reads_zip(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                parser = XMLParser()
                parser.feed(archive.read(name))
                parser.close()


def _reads_tar(data: bytes) -> None:
    def names(ignore_zeros: bool) -> list[str]:
        with tarfile.open(fileobj=io.BytesIO(data), ignore_zeros=ignore_zeros) as archive:
            found = []
            for member in archive:
                found.append(member.name)
                extracted = archive.extractfile(member)
                if extracted is not None and len(extracted.read()) != member.size:
                    raise tarfile.ReadError("member data cut short")
            return found

    if names(ignore_zeros=False) != names(ignore_zeros=True):
        raise tarfile.ReadError("members hide after a damaged header")


def _reads_png(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        image.load()


def _reads_notebook(data: bytes) -> None:
    if not isinstance(json.loads(data).get("cells"), list):
        raise ValueError("no cells")


READERS: dict[str, Callable[[bytes], None]] = {
    "a.zip": _reads_zip,
    "a.xlsx": _reads_office,
    "a.tar": _reads_tar,
    "a.csv.gz": gzip.decompress,  # type: ignore[dict-item]
    "a.csv.bz2": bz2.decompress,  # type: ignore[dict-item]
    "a.csv.xz": lzma.decompress,  # type: ignore[dict-item]
    "a.png": _reads_png,
    "a.ipynb": _reads_notebook,
}


def _readable(seed: str, data: bytes) -> bool:
    reader = READERS.get(seed)
    if reader is None:
        return True
    try:
        reader(data)
    except Exception:  # any failure of the independent reader means: damaged
        return False
    return True


def _check(tmp_path: Path, seed: str, data: bytes) -> Verdict:
    path = tmp_path / seed
    path.write_bytes(data)
    start = time.monotonic()
    report = check_file(path, RULES, content=Recorder().scanners())
    assert time.monotonic() - start < TIME_BOUND
    crashed = [f for f in report.findings if "the engine failed" in f.message]
    assert crashed == [], crashed
    return report.verdict


def test_every_seed_is_readable_and_passes_undamaged(tmp_path: Path) -> None:
    for seed, data in SEEDS.items():
        assert _readable(seed, data), seed
        assert _check(tmp_path, seed, data) == Verdict.PASS, seed


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    writes=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 255)), min_size=1, max_size=4
    ),
    cut=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
)
def test_a_damaged_container_is_never_passed(
    tmp_path: Path, seed: str, writes: list[tuple[float, int]], cut: float | None
) -> None:
    data = bytearray(SEEDS[seed])
    for where, value in writes:
        data[min(int(where * len(data)), len(data) - 1)] = value
    damaged = bytes(data if cut is None else data[: int(cut * len(data))])
    verdict = _check(tmp_path, seed, damaged)
    if not _readable(seed, damaged):
        assert verdict != Verdict.PASS, (seed, zlib.crc32(damaged))


def test_members_after_a_damaged_tar_header_are_not_silently_dropped(tmp_path: Path) -> None:
    data = bytearray(make_tar({"a.csv": TABLE, "b.txt": b"SECRET\n", "c.txt": b"more\n"}))
    second = data.index(b"b.txt")
    data[second + 148 : second + 156] = b"0000000\x00"  # a wrong header checksum
    assert _check(tmp_path, "a.tar", bytes(data)) == Verdict.BLOCK


def test_a_directory_entry_pointing_outside_the_archive_blocks_without_crashing(
    tmp_path: Path,
) -> None:
    data = bytearray(SEEDS["a.zip"])
    data[int(0.984375 * len(data))] = 1  # the high byte of a member's header offset
    assert _check(tmp_path, "a.zip", bytes(data)) == Verdict.BLOCK
