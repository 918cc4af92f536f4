"""``tre check``: exit codes, JSON shape, text output, configuration errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from orchestrator.cli.main import cli
from tests.harness.clamav import MARKER, make_signature_database

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


@pytest.fixture(autouse=True)
def signatures(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default rule set requires malware scanning: give ``tre check`` a local database."""
    database = make_signature_database(tmp_path_factory.mktemp("clamav-db"))
    monkeypatch.setenv("TRE_CLAMAV_DATABASE", str(database))
    return database


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "pass": tmp_path / "notes.txt",
        "review": tmp_path / ".hidden",
        "block": tmp_path / "tool.csv",
    }
    paths["pass"].write_bytes(b"fine\n")
    paths["review"].write_bytes(b"")
    paths["block"].write_bytes(ELF)
    return paths


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("which", "code"), [("pass", 0), ("review", 10), ("block", 20)])
def test_exit_status_follows_the_verdict(files: dict[str, Path], which: str, code: int) -> None:
    assert run(str(files[which]))[0] == code


def test_the_worst_file_decides_the_exit_status(files: dict[str, Path]) -> None:
    assert run(str(files["pass"]), str(files["review"]))[0] == 10
    assert run(*(str(p) for p in files.values()))[0] == 20


def test_json_report_shape(files: dict[str, Path]) -> None:
    code, out, _ = run("--format", "json", str(files["block"]), str(files["pass"]))
    report = json.loads(out)
    assert code == 20
    assert report["engine"]["version"]
    assert report["ruleset"]["id"] == "default"
    assert report["ruleset"]["version"] == "1.0.0"
    assert len(report["ruleset"]["digest"]) == 64
    assert report["verdict"] == "block"
    blocked = report["files"][0]
    assert set(blocked) == {"path", "sha256", "size", "type", "verdict", "findings"}
    assert blocked["type"] == "elf"
    assert blocked["size"] == len(ELF)
    assert {"rule", "severity", "message", "location"} == set(blocked["findings"][0])
    assert {f["rule"] for f in blocked["findings"]} >= {
        "executable.binary",
        "type.extension_mismatch",
    }


def test_text_report_has_a_line_per_file_then_findings(files: dict[str, Path]) -> None:
    code, out, _ = run(str(files["block"]))
    lines = out.splitlines()
    assert code == 20
    assert lines[0].startswith("rule set default 1.0.0")
    assert lines[1].startswith("BLOCK ")
    assert str(files["block"]) in lines[1]
    assert any("executable.binary" in line for line in lines[2:])
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_directories_are_walked(files: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = run("--format", "json", str(tmp_path))
    assert len(json.loads(out)["files"]) == 3
    assert code == 20


def test_tier_and_project_options(files: dict[str, Path], tmp_path: Path) -> None:
    project = tmp_path / "project.yaml"
    project.write_text(
        yaml.safe_dump(
            {"id": "p", "version": "1", "rules": {"names.hidden": {"severity": "block"}}}
        )
    )
    code, out, _ = run(
        "--tier", "2", "--project", str(project), "--format", "json", str(files["review"])
    )
    assert code == 20
    assert json.loads(out)["ruleset"]["id"] == "tier2+p"


def test_a_loosening_project_override_is_a_configuration_error(
    files: dict[str, Path], tmp_path: Path
) -> None:
    project = tmp_path / "project.yaml"
    project.write_text(
        yaml.safe_dump(
            {
                "id": "p",
                "version": "1",
                "rules": {"limits.file_size": {"params": {"max_bytes": 10**10}}},
            }
        )
    )
    code, _, err = run("--project", str(project), str(files["pass"]))
    assert code == 2
    assert "rule `limits.file_size`: field `max_bytes`" in err


def test_a_bad_rule_file_is_a_configuration_error(files: dict[str, Path], tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        yaml.safe_dump(
            {
                "id": "x",
                "version": "1",
                "extends": "default",
                "rules": {"tables.min_cell_count": {"params": {"threshold": -1}}},
            }
        )
    )
    code, _, err = run("--rules", str(rules), str(files["pass"]))
    assert code == 2
    assert (
        f"{rules}: rule `tables.min_cell_count`: field `threshold`: must be an integer ≥ 1" in err
    )


def test_usage_errors_exit_2(files: dict[str, Path], tmp_path: Path) -> None:
    assert run()[0] == 2
    assert run(str(tmp_path / "absent"))[0] == 2
    assert run("--tier", "7", str(files["pass"]))[0] == 2
    assert run("--tier", "1", "--rules", str(tmp_path / "x.yaml"), str(files["pass"]))[0] == 2


def test_the_default_rule_set_blocks_malware_and_unscanned_files(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    infected = tmp_path / "report.txt"
    infected.write_bytes(MARKER)
    code, out, _ = run("--format", "json", str(infected))
    assert code == 20
    assert json.loads(out)["files"][0]["findings"][0]["message"] == (
        "malware signature matched: TRE.Test.Marker.UNOFFICIAL"
    )
    monkeypatch.setenv("TRE_CLAMAV_DATABASE", str(tmp_path / "no-database"))
    code, out, _ = run("--format", "json", str(files["pass"]))
    assert code == 20
    assert json.loads(out)["files"][0]["findings"][0]["rule"] == "malware.clamav"


def test_tier3_without_a_signature_database_fails_closed(
    files: dict[str, Path], tmp_path: Path
) -> None:
    empty_db = tmp_path / "db"
    empty_db.mkdir()
    code, out, _ = run(
        "--tier", "3", "--clamav-db", str(empty_db), "--format", "json", str(files["pass"])
    )
    assert code == 20
    finding = json.loads(out)["files"][0]["findings"][0]
    assert finding["rule"] == "malware.clamav"
    assert "required by this rule set but unavailable" in finding["message"]


def test_operator_limits_apply_and_bind_the_project(files: dict[str, Path], tmp_path: Path) -> None:
    limits = tmp_path / "limits.yaml"
    limits.write_text(
        yaml.safe_dump(
            {
                "id": "ops",
                "version": "7",
                "rules": {"limits.file_size": {"params": {"max_bytes": 10}}},
            }
        )
    )
    code, out, _ = run("--limits", str(limits), "--format", "json", str(files["block"]))
    assert json.loads(out)["ruleset"] == {
        "id": "default+ops",
        "version": "1.0.0+7",
        "digest": json.loads(out)["ruleset"]["digest"],
    }
    assert "limits.file_size" in {f["rule"] for f in json.loads(out)["files"][0]["findings"]}
    project = tmp_path / "project.yaml"
    project.write_text(
        yaml.safe_dump(
            {
                "id": "p",
                "version": "1",
                "rules": {"limits.file_size": {"params": {"max_bytes": 100}}},
            }
        )
    )
    code, _, err = run("--limits", str(limits), "--project", str(project), str(files["pass"]))
    assert code == 2
    assert "field `max_bytes`: 100 loosens 10" in err
