"""Processes a killed ``tre up`` left behind are stopped, and nothing else is touched."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from orchestrator.embedded.enclave import reap_leftovers


def _detached(folder: Path) -> subprocess.Popen[bytes]:
    # "; exit" keeps the shell alive: a shell may otherwise exec ``sleep`` in its place,
    # and the folder would vanish from the process's command line.
    return subprocess.Popen(
        ["/bin/sh", "-c", "sleep 300; exit 0", str(folder)], start_new_session=True
    )


def test_only_recorded_processes_naming_the_state_folder_are_stopped(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    ours = _detached(state)
    unrelated = _detached(tmp_path / "elsewhere")
    pid_file = state / "pids.json"
    pid_file.write_text(
        json.dumps({"openbao": ours.pid, "other": unrelated.pid, "gone": 999_999_999})
    )
    try:
        assert reap_leftovers(pid_file, state) == [ours.pid]
        assert ours.wait(timeout=10) == -9
        assert unrelated.poll() is None
        assert not pid_file.exists()
    finally:
        for process in (ours, unrelated):
            process.kill()
            process.wait()


def test_nothing_to_reap_without_a_pid_file(tmp_path: Path) -> None:
    assert reap_leftovers(tmp_path / "pids.json", tmp_path) == []
