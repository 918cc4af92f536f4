"""Arbitrary and mutated input never crashes the engine and stays within its time bounds."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from orchestrator.checks.content import ContentScanners, default_content_scanners
from orchestrator.checks.engine import check_file
from orchestrator.checks.model import RuleSet, Verdict
from orchestrator.checks.rulesets import load_named_ruleset
from tests.unit.checks.archive_files import make_tar, make_zip
from tests.unit.checks.doubles import Recorder

RULES: RuleSet = load_named_ruleset("default")
TIME_BOUND = 2.0


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()


def _notebook() -> bytes:
    cell = {"cell_type": "code", "source": "x", "outputs": [{"output_type": "stream", "text": "1"}]}
    return json.dumps({"cells": [cell], "nbformat": 4}).encode()


SEEDS: dict[str, bytes] = {
    "a.zip": make_zip({"a.csv": b"g,n\na,30\n", "b/c.txt": b"hello\n"}),
    "a.tar": make_tar({"a.csv": b"g,n\na,30\n"}),
    "a.txt.gz": gzip.compress(b"hello\nworld\n"),
    "a.png": _png(),
    "a.pdf": b"%PDF-1.4\n1 0 obj\n<< /Length 9 >>\nstream\n(hello) Tj\nendstream\nendobj\n%%EOF\n",
    "a.ipynb": _notebook(),
    "a.csv": b'g,n\n"a\nb",30\nc,40\n',
}


def _content(which: str) -> ContentScanners:
    """The named doubles, or this build's real content scanners."""
    return Recorder().scanners() if which == "doubles" else default_content_scanners()


def _check(tmp_path: Path, name: str, data: bytes, which: str = "doubles") -> None:
    path = tmp_path / name
    path.write_bytes(data)
    start = time.monotonic()
    report = check_file(path, RULES, content=_content(which))
    assert time.monotonic() - start < TIME_BOUND
    assert report.size == len(data)
    assert report.verdict in (Verdict.PASS, Verdict.REVIEW, Verdict.BLOCK)
    crashed = [f for f in report.findings if "the engine failed" in f.message]
    assert crashed == [], crashed


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=4096),
    name=st.sampled_from(["x.bin", "x.csv", "x.zip", "x.png", "x.pdf", "x.ipynb", "x"]),
)
def test_arbitrary_bytes_never_crash_the_engine(tmp_path: Path, data: bytes, name: str) -> None:
    _check(tmp_path, name, data)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    which=st.sampled_from(["doubles", "real"]),
    cut=st.floats(min_value=0, max_value=1),
    flips=st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 255)), max_size=8),
)
def test_truncated_and_mutated_valid_files_never_crash(
    tmp_path: Path, seed: str, which: str, cut: float, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(SEEDS[seed])
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    data = data[: max(1, int(cut * len(data)))] if cut < 0.999 else data
    _check(tmp_path, seed, bytes(data), which)


def test_a_tar_member_claiming_a_huge_size_is_refused_from_its_header(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("big.csv")
        info.size = 10
        archive.addfile(info, io.BytesIO(b"x" * 10))
    data = bytearray(buffer.getvalue())
    # Rewrite the size field (octal, offset 124) to 64 GiB and fix the header checksum.
    data[124:136] = b"%011o\x00" % (64 * 1024**3)
    data[148:156] = b" " * 8
    data[148:156] = b"%06o\x00 " % sum(data[:512])
    path = tmp_path / "lying.tar"
    path.write_bytes(bytes(data))
    start = time.monotonic()
    report = check_file(path, RULES, content=Recorder().scanners())
    assert time.monotonic() - start < 1.0
    assert report.verdict == Verdict.BLOCK
