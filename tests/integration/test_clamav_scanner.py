"""ClamAV through clamscan with a local signature made by sigtool (Debian ships none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.adapters.clamav import ClamAVScanner
from orchestrator.checks.engine import check_paths
from orchestrator.checks.malware import MalwareScanError
from orchestrator.checks.model import Verdict
from orchestrator.checks.rulesets import load_named_ruleset
from tests.harness.clamav import MARKER, make_signature_database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signature database with one MD5 signature for the marker file."""
    return make_signature_database(tmp_path_factory.mktemp("clamav-db"))


def test_clamscan_finds_a_local_signature(database: Path, tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.txt", tmp_path / "good.txt"
    bad.write_bytes(MARKER)
    good.write_text("fine\n")
    scanner = ClamAVScanner(database)
    assert scanner.unavailable_reason() is None
    found = scanner.scan([bad, good])
    assert found == {bad: ["TRE.Test.Marker.UNOFFICIAL"]}


def test_the_engine_blocks_a_file_matching_a_signature(database: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(MARKER)
    report = check_paths([bad], load_named_ruleset("tier3"), scanner=ClamAVScanner(database))
    assert report.verdict == Verdict.BLOCK
    assert any(
        f.rule == "malware.clamav" and "TRE.Test.Marker" in f.message
        for f in report.files[0].findings
    )


def test_an_empty_database_folder_is_unavailable(tmp_path: Path) -> None:
    assert "holds no signatures" in (ClamAVScanner(tmp_path).unavailable_reason() or "")
    assert "does not exist" in (ClamAVScanner(tmp_path / "nope").unavailable_reason() or "")


def test_a_broken_database_makes_the_scan_fail_loudly(tmp_path: Path) -> None:
    (tmp_path / "broken.ndb").write_text("not a signature\n")
    target = tmp_path / "x.txt"
    target.write_text("x\n")
    with pytest.raises(MalwareScanError, match="clamscan exited with status 2"):
        ClamAVScanner(tmp_path).scan([target])
