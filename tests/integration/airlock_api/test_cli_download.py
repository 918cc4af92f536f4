"""``tre airlock download`` checks every file against the release manifest."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from orchestrator.cli.main import cli
from tests.doubles.substituting_airlock import REQUEST_ID, substituting_airlock

REVIEWED = {"table.csv": b"group,n\na,120\nb,340\n", "notes.md": b"# notes\n"}


def download(url: str, out: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["airlock", "--url", url, "--token", "t", "download", REQUEST_ID, "-o", str(out)],
    )
    return result.exit_code, result.stdout, result.stderr


def test_download_writes_files_that_match_the_manifest(tmp_path: Path) -> None:
    with substituting_airlock(REVIEWED, served=REVIEWED) as url:
        code, out, _ = download(url, tmp_path)
    assert code == 0
    assert "downloaded table.csv (20 bytes, SHA-256 verified)" in out
    assert (tmp_path / "table.csv").read_bytes() == REVIEWED["table.csv"]
    assert (tmp_path / "notes.md").read_bytes() == REVIEWED["notes.md"]


def test_download_of_other_bytes_than_reviewed_exits_non_zero_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    served = {**REVIEWED, "table.csv": b"group,n\na,1\nb,340\n"}
    with substituting_airlock(REVIEWED, served=served) as url:
        code, out, err = download(url, tmp_path)
    assert code == 1
    assert "MISMATCH: table.csv has SHA-256" in err
    assert not (tmp_path / "table.csv").exists()
    assert (tmp_path / "notes.md").read_bytes() == REVIEWED["notes.md"]
    assert "downloaded notes.md" in out
