"""``tre register publish`` writes the three static files, or nothing on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from orchestrator.cli.main import cli
from tests.unit.register.examples import PROJECTS, REQUESTS


def _inputs(tmp_path: Path, requests: object = REQUESTS) -> tuple[Path, Path]:
    projects_file = tmp_path / "projects.json"
    requests_file = tmp_path / "requests.json"
    projects_file.write_text(json.dumps(PROJECTS))
    requests_file.write_text(json.dumps(requests))
    return projects_file, requests_file


def _publish(projects: Path, requests: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "register",
            "publish",
            "--projects",
            str(projects),
            "--requests",
            str(requests),
            "--out",
            str(out),
        ],
    )
    return result.exit_code, result.output


def test_publish_writes_page_stylesheet_and_feed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, output = _publish(*_inputs(tmp_path), out)
    assert code == 0, output
    assert (
        output
        == f"wrote {out}/index.html, register.css and register.json: 2 projects, 2 releases\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "register.css", "register.json"]
    assert [r["project"] for r in json.loads((out / "register.json").read_text())["releases"]] == [
        "asthma",
        "stroke",
    ]
    assert (out / "index.html").read_text().startswith("<!doctype html>")


def test_bad_input_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "site"
    broken = [{k: v for k, v in REQUESTS[0].items() if k != "direction"}]
    code, output = _publish(*_inputs(tmp_path, broken), out)
    assert code == 1
    assert "requests item 0: is not an airlock request" in output
    assert "'direction'" in output
    assert not out.exists()


def test_a_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    projects, requests = _inputs(tmp_path)
    requests.write_text("not json")
    code, output = _publish(projects, requests, tmp_path / "site")
    assert code == 2
    assert f"{requests}: cannot read it as JSON" in output
