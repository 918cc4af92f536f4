"""The layer contracts in pyproject.toml hold, and a deliberate violation breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def run_lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=120,
    )


def copy_tree(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    dest.mkdir()
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    shutil.copytree(
        ROOT / "orchestrator", dest / "orchestrator", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest


def test_contracts_hold_on_the_tree(tmp_path: Path) -> None:
    result = run_lint_imports(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_domain_importing_an_io_library_breaks_the_build(tmp_path: Path) -> None:
    repo = copy_tree(tmp_path)
    (repo / "orchestrator" / "domain" / "leaky.py").write_text("import hvac  # noqa\n")
    result = run_lint_imports(repo)
    assert result.returncode != 0
    assert "Pure domain code imports no I/O library" in result.stdout
    assert "BROKEN" in result.stdout


def test_domain_importing_an_adapter_breaks_the_build(tmp_path: Path) -> None:
    repo = copy_tree(tmp_path)
    (repo / "orchestrator" / "adapters" / "thing.py").write_text("X = 1\n")
    (repo / "orchestrator" / "domain" / "upward.py").write_text(
        "from orchestrator.adapters import thing  # noqa\n"
    )
    result = run_lint_imports(repo)
    assert result.returncode != 0
    assert "Entry points > services > adapters > pure domain" in result.stdout
