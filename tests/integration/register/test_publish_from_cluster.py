"""``tre register publish`` without ``--projects`` reads ResearchProjects from a real API server."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from orchestrator.cli.main import cli
from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, KIND, PLURAL
from tests.harness.kubernetes import Kube, unique_name
from tests.integration.controller.platform import install_crds
from tests.unit.register.examples import PROJECTS

PATH = f"/apis/{API_GROUP}/{API_VERSION}/{PLURAL}"


def test_publish_reads_projects_from_the_kubernetes_api(kube: Kube, tmp_path: Path) -> None:
    install_crds(kube)
    name = unique_name("register")
    stroke = PROJECTS["items"][0]
    body = {
        "apiVersion": f"{API_GROUP}/{API_VERSION}",
        "kind": KIND,
        "metadata": {"name": name},
        "spec": stroke["spec"],
    }
    with kube.http() as client:
        created = client.post(PATH, json=body)
        assert created.status_code == 201, created.text
        try:
            (tmp_path / "requests.json").write_text("[]")
            result = CliRunner().invoke(
                cli,
                [
                    "register",
                    "publish",
                    "--kubeconfig",
                    str(kube.kubeconfig),
                    "--requests",
                    str(tmp_path / "requests.json"),
                    "--out",
                    str(tmp_path / "site"),
                ],
            )
        finally:
            client.delete(f"{PATH}/{name}")
    assert result.exit_code == 0, result.output
    feed = json.loads((tmp_path / "site" / "register.json").read_text())
    ours = [p for p in feed["projects"] if p["name"] == name]
    started = created.json()["metadata"]["creationTimestamp"][:10]
    assert ours == [
        {
            "name": name,
            "title": "Blood pressure and stroke",
            "purpose": "How blood pressure treatment affects stroke risk.",
            "institutions": ["University of Exeter", "NHS South West"],
            "publicContacts": ["Prof. A. Example"],
            "tier": 3,
            "datasets": ["cohort", "hes"],
            "started": started,
            "ends": "2027-03-31",
        }
    ]


def test_an_unreachable_api_server_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    (tmp_path / "requests.json").write_text("[]")
    result = CliRunner().invoke(
        cli,
        [
            "register",
            "publish",
            "--kubeconfig",
            str(kubeconfig),
            "--requests",
            str(tmp_path / "requests.json"),
            "--out",
            str(tmp_path / "site"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ")
    assert "researchprojects" in result.output
    assert not (tmp_path / "site").exists()
