"""Render the Helm chart with the real ``helm`` binary, for the chart tests.

``helm`` is built from its Go module by ``.ci/build-kubernetes.sh`` into the
cache folder named in ``<cache>/kubernetes-bin-path``. When it is missing the
tests fail saying how to build it; they never skip.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.embedded.paths import REPO_ROOT, cache_dir, pinned_versions

CHART = REPO_ROOT / "helm" / "tre-orchestrator"
MINIMAL_VALUES = CHART / "ci" / "minimal-values.yaml"
FULL_VALUES = CHART / "ci" / "full-values.yaml"
RELEASE = "tre"
NAMESPACE = "tre-system"


def helm_binary() -> Path:
    """The helm binary the build script produced."""
    marker = cache_dir() / "kubernetes-bin-path"
    hint = "run `make kubernetes` (it builds helm with the Kubernetes binaries)"
    if not marker.is_file():
        pytest.fail(f"helm is not built yet: {marker} does not exist; {hint}")
    helm = Path(marker.read_text().strip()) / "helm"
    if not helm.is_file():
        pytest.fail(f"helm is not built yet: {helm} does not exist; {hint}")
    return helm


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` laid over ``base``, as Helm merges values files."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def minimal_values(**overrides: Any) -> dict[str, Any]:
    """The smallest complete configuration, with ``overrides`` merged in."""
    base = yaml.safe_load(MINIMAL_VALUES.read_text())
    return deep_merge(base, overrides)


def run_helm(*args: str, values: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
    """Run helm with the chart and, optionally, one values file made from ``values``."""
    with tempfile.TemporaryDirectory(prefix="tre-chart-") as tmp:
        command = [str(helm_binary()), *args]
        if values is not None:
            values_file = Path(tmp) / "values.yaml"
            values_file.write_text(yaml.safe_dump(values))
            command += ["--values", str(values_file)]
        env = {
            "HOME": tmp,
            "HELM_CACHE_HOME": tmp,
            "HELM_CONFIG_HOME": tmp,
            "PATH": "/usr/bin:/bin",
        }
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def kube_version() -> str:
    """The pinned Kubernetes version: helm renders and lints as if talking to it."""
    return "v" + pinned_versions()["KUBERNETES_VERSION"]


def template(values: dict[str, Any] | None) -> subprocess.CompletedProcess[str]:
    """``helm template`` of the chart; the same values render once per session."""
    return _template(None if values is None else yaml.safe_dump(values, sort_keys=True))


@functools.cache
def _template(values_yaml: str | None) -> subprocess.CompletedProcess[str]:
    values = None if values_yaml is None else yaml.safe_load(values_yaml)
    return run_helm(
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--include-crds",
        "--kube-version",
        kube_version(),
        values=values,
    )


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every manifest the chart renders with ``values``; fails with helm's message."""
    result = template(values)
    if result.returncode != 0:
        pytest.fail(f"helm template failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render_error(values: dict[str, Any] | None) -> str:
    """helm's error message for ``values``, which must fail to render."""
    result = template(values)
    assert result.returncode != 0, "the render was expected to fail but succeeded"
    return result.stderr


def pod_specs(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``Kind/name``, pod spec) of every workload in ``manifests``."""
    for doc in manifests:
        spec = doc.get("spec", {})
        if doc["kind"] == "Pod":
            yield f"Pod/{doc['metadata']['name']}", spec
        elif "template" in spec and "spec" in spec["template"]:
            yield f"{doc['kind']}/{doc['metadata']['name']}", spec["template"]["spec"]
        elif doc["kind"] == "CronJob":
            yield (
                f"CronJob/{doc['metadata']['name']}",
                spec["jobTemplate"]["spec"]["template"]["spec"],
            )


def by_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests if doc["kind"] == kind]


def one(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in by_kind(manifests, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]
