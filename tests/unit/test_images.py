"""The container images lint cleanly with hadolint and run as a non-root user."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.embedded.paths import REPO_ROOT

DOCKERFILES = sorted((REPO_ROOT / "images").glob("*/Dockerfile"))


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if not found:
        pytest.fail("hadolint is not installed in the virtual environment: run `make venv`")
    return found


def test_there_are_hub_orchestrator_and_workspace_images() -> None:
    assert [p.parent.name for p in DOCKERFILES] == ["hub", "orchestrator", "workspace"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_every_stage_builds_on_the_base_image_argument(dockerfile: Path) -> None:
    """.ci/build-images.sh passes a Debian base made here; a registry CI keeps the default."""
    lines = dockerfile.read_text().splitlines()
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in lines
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) == 2, stages
    assert all(line.split()[1] == "${BASE_IMAGE}" for line in stages), stages


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_the_final_stage_installs_no_build_tools(dockerfile: Path) -> None:
    lines = dockerfile.read_text().splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    final = "\n".join(line for line in lines[last:] if not line.lstrip().startswith("#"))
    for tool in ("npm", "gcc", "build-essential", "pip install", "COPY orchestrator"):
        assert tool not in final, f"{tool!r} in the final stage of {dockerfile}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_image_runs_as_a_fixed_non_root_user(dockerfile: Path) -> None:
    users = [
        line.split()[1] for line in dockerfile.read_text().splitlines() if line.startswith("USER ")
    ]
    assert users, "no USER instruction: the image would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), users[-1]
    assert int(uid) != 0, users[-1]
