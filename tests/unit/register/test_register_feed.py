"""The register's JSON feed: literal contents, the committed schema, and nothing disclosive."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from orchestrator.domain.register.entries import OutputKind, build_register, output_kind
from orchestrator.domain.register.feed import make_feed
from orchestrator.domain.register.page import render_page
from orchestrator.domain.register.sources import (
    InvalidRegisterSource,
    projects_from_list,
    releases_from_requests,
)
from tests.unit.register.examples import IDENTIFIERS, PROJECTS, REQUESTS

SCHEMA = Path(__file__).parents[3] / "docs" / "reference" / "register.schema.json"
AT = datetime(2026, 5, 1, 12, 0, 7, 123456, tzinfo=UTC)


def _feed(projects: Any = PROJECTS, requests: Any = REQUESTS) -> dict[str, Any]:
    built = build_register(projects_from_list(projects), releases_from_requests(requests), at=AT)
    return make_feed(built)


def test_feed_lists_projects_and_released_exports() -> None:
    assert _feed() == {
        "version": 1,
        "generatedAt": "2026-05-01T12:00:07Z",
        "projects": [
            {
                "name": "asthma",
                "title": "Asthma <pilot>",
                "purpose": "",
                "institutions": [],
                "publicContacts": [],
                "tier": 1,
                "datasets": [],
                "started": "2026-02-01",
                "ends": None,
            },
            {
                "name": "stroke",
                "title": "Blood pressure and stroke",
                "purpose": "How blood pressure treatment affects stroke risk.",
                "institutions": ["University of Exeter", "NHS South West"],
                "publicContacts": ["Prof. A. Example"],
                "tier": 3,
                "datasets": ["cohort", "hes"],
                "started": "2026-01-05",
                "ends": "2027-03-31",
            },
        ],
        "releases": [
            {
                "project": "asthma",
                "releasedOn": "2026-04-02",
                "outputs": [{"kind": "other", "files": 1}],
                "reviewers": 1,
                "ruleSet": "default",
                "ruleSetVersion": "2026.1",
            },
            {
                "project": "stroke",
                "releasedOn": "2026-03-10",
                "outputs": [
                    {"kind": "table", "files": 2},
                    {"kind": "figure", "files": 1},
                    {"kind": "code", "files": 1},
                ],
                "reviewers": 2,
                "ruleSet": "default",
                "ruleSetVersion": "2026.1",
            },
        ],
    }


def test_feed_validates_against_the_committed_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(_feed())
    jsonschema.Draft202012Validator(schema).validate(_feed(requests=[]))


def test_schema_rejects_a_feed_carrying_file_names() -> None:
    feed = _feed()
    feed["releases"][0]["files"] = ["out/john_smith.csv"]
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(feed)


def test_no_identifier_from_requests_or_members_reaches_the_feed_or_page() -> None:
    built = build_register(projects_from_list(PROJECTS), releases_from_requests(REQUESTS), at=AT)
    published = json.dumps(make_feed(built)) + render_page(built)
    leaked = [i for i in IDENTIFIERS if i.lower() in published.lower()]
    assert leaked == []


def test_drafts_rejections_revocations_and_imports_are_not_listed() -> None:
    assert [r["project"] for r in _feed()["releases"]] == ["asthma", "stroke"]
    assert _feed(requests=REQUESTS[2:])["releases"] == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("out/table.CSV", OutputKind.TABLE),
        ("t.parquet", OutputKind.TABLE),
        ("fig/plot.svg", OutputKind.FIGURE),
        ("paper.pdf", OutputKind.DOCUMENT),
        ("model.ipynb", OutputKind.CODE),
        ("README", OutputKind.OTHER),
        (".hidden", OutputKind.OTHER),
        ("archive.tar.gz", OutputKind.OTHER),
        ("v1.2/notes", OutputKind.OTHER),
    ],
)
def test_output_kind_follows_the_extension(name: str, kind: OutputKind) -> None:
    assert output_kind(name) is kind


def test_a_request_without_a_state_is_refused_naming_the_item() -> None:
    broken = [dict(REQUESTS[0]), {k: v for k, v in REQUESTS[1].items() if k != "state"}]
    with pytest.raises(InvalidRegisterSource, match=r"^requests item 1: .*'state'"):
        releases_from_requests(broken)


def test_an_invalid_project_spec_is_refused_naming_the_field() -> None:
    bad = {"items": [{"metadata": {"name": "p"}, "spec": {"tier": 9}}]}
    with pytest.raises(InvalidRegisterSource, match=r"(?s)^projects item 0: .*spec\.tier: 9"):
        projects_from_list(bad)


def test_a_file_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(InvalidRegisterSource, match="JSON array or a Kubernetes List"):
        projects_from_list({"kind": "ResearchProject"})
