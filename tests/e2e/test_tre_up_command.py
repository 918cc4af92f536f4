"""``tre up`` as a person runs it: prints what runs where, stops cleanly on Ctrl-C and
SIGTERM, and a second run reopens the same enclave (same ports, same secrets)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest

TRE = Path(sys.executable).parent / "tre"


@pytest.fixture
def state_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="tre-up-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_until_ready(state_dir: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [str(TRE), "up", "--state-dir", str(state_dir), "--user", "alice"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("running;"):
            return process, "".join(lines)
    process.kill()
    pytest.fail("tre up did not report running:\n" + "".join(lines))


def _stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return out


def _leftovers(state_dir: Path) -> str:
    found = subprocess.run(
        ["pgrep", "-af", str(state_dir)], capture_output=True, text=True, check=False
    )
    return found.stdout.strip()


def test_tre_up_reports_stops_and_reopens_the_same_enclave(state_dir: Path) -> None:
    process, banner = _run_until_ready(state_dir)
    assert "OpenBao:        http://127.0.0.1:" in banner
    assert "buckets: airlock-quarantine, airlock-release, airlock-audit, project-demo" in banner
    assert "JupyterHub:     http://10.213." in banner
    assert "airlock API:" in banner
    ports = json.loads((state_dir / "ports.json").read_text())
    token = json.loads((state_dir / "openbao" / "init.json").read_text())["root_token"]
    bao = hvac.Client(url=f"http://127.0.0.1:{ports['openbao']}", token=token)
    bao.secrets.kv.v2.create_or_update_secret(path="kept", secret={"v": "1"})

    assert _stop(process, signal.SIGINT).rstrip().endswith("stopped")
    assert _leftovers(state_dir) == ""

    process, banner = _run_until_ready(state_dir)
    assert f"http://127.0.0.1:{ports['openbao']}" in banner
    read = bao.secrets.kv.v2.read_secret_version(path="kept", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"v": "1"}

    assert _stop(process, signal.SIGTERM).rstrip().endswith("stopped")
    assert _leftovers(state_dir) == ""


def test_a_killed_run_does_not_block_the_next_one(state_dir: Path) -> None:
    process, _ = _run_until_ready(state_dir)
    process.kill()  # no chance to stop its services
    process.communicate(timeout=30)
    assert _leftovers(state_dir) != ""

    process, banner = _run_until_ready(state_dir)
    assert "JupyterHub:" in banner
    assert _stop(process, signal.SIGTERM).rstrip().endswith("stopped")
    assert _leftovers(state_dir) == ""
