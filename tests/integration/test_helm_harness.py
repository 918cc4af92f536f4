"""The pinned helm installs and uninstalls a chart on the harness's cluster."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kubernetes import Kube


def write_chart(folder: Path) -> Path:
    chart = folder / "greeting"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: greeting\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("message: hello\n")
    (chart / "templates" / "configmap.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-greeting
            data:
              message: {{ .Values.message | quote }}
            """
        )
    )
    return chart


def test_helm_installs_and_uninstalls_a_chart(
    kube: Kube, kube_namespace: str, tmp_path: Path
) -> None:
    chart = write_chart(tmp_path)
    version = kube.helm("version", "--short")
    assert version.stdout.startswith("v3.22.0"), version.stdout + version.stderr

    installed = kube.helm(
        "install", "hi", str(chart), "--namespace", kube_namespace, "--set", "message=hej",
        "--wait", "--timeout", "60s",
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    core = client.CoreV1Api(kube.api_client())
    assert core.read_namespaced_config_map("hi-greeting", kube_namespace).data == {"message": "hej"}
    listed = kube.helm("list", "--namespace", kube_namespace, "--output", "json")
    assert [(r["name"], r["status"]) for r in json.loads(listed.stdout)] == [("hi", "deployed")]

    removed = kube.helm("uninstall", "hi", "--namespace", kube_namespace, "--wait")
    assert removed.returncode == 0, removed.stderr
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("hi-greeting", kube_namespace)
    assert gone.value.status == 404
