"""Streaming: memory stays flat whatever the file size (the 2 GB figure is in bench/)."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

from orchestrator.checks.content import ContentScanners
from orchestrator.checks.engine import check_file
from orchestrator.checks.model import Finding, RuleSet
from tests.unit.checks.doubles import Recorder

MiB = 1024 * 1024


class _CountingText:
    """Counts characters and keeps nothing: a scanner double for memory measurements."""

    def __init__(self) -> None:
        self.chars = 0

    def feed(self, text: str, first_line: int) -> None:
        self.chars += len(text)

    def feed_row(self, row: object) -> None:
        """Keep nothing."""

    def finish(self) -> list[Finding]:
        return []


def _peak(path: Path, rules: RuleSet) -> int:
    recorder = Recorder()
    content = ContentScanners(
        lambda rules: _CountingText(),
        lambda rules, name: _CountingText(),
        recorder.looks_like_acro,
        recorder.check_acro,
    )
    tracemalloc.start()
    try:
        check_file(path, rules, content=content)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("layout", ["rows", "one line"])
def test_peak_memory_does_not_grow_with_file_size(
    tmp_path: Path, default_rules: RuleSet, layout: str
) -> None:
    def write(name: str, size: int) -> Path:
        path = tmp_path / name
        with path.open("wb") as out:
            block = b"region,12345,67.8\n" * (MiB // 18) if layout == "rows" else b"y" * MiB
            for _ in range(size // MiB):
                out.write(block)
        return path

    small = _peak(write("small.csv", 8 * MiB), default_rules)
    large = _peak(write("large.csv", 24 * MiB), default_rules)
    assert large < 24 * MiB
    assert large < small + 4 * MiB


def test_decompression_is_streamed(tmp_path: Path, default_rules: RuleSet) -> None:
    path = tmp_path / "big.txt.gz"
    path.write_bytes(gzip.compress(b"hello world\n" * (24 * MiB // 12), compresslevel=1))
    assert _peak(path, default_rules) < 16 * MiB
