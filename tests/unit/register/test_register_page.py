"""The register's HTML page: escaped values, one local stylesheet, no script, no outside link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from orchestrator.domain.register.entries import build_register
from orchestrator.domain.register.page import render_page, stylesheet
from orchestrator.domain.register.sources import projects_from_list, releases_from_requests
from tests.unit.register.examples import PROJECTS, REQUESTS

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _page() -> str:
    return render_page(
        build_register(projects_from_list(PROJECTS), releases_from_requests(REQUESTS), at=AT)
    )


def test_page_escapes_text_from_the_spec() -> None:
    page = _page()
    assert "<h3>Asthma &lt;pilot&gt;</h3>" in page
    assert "<pilot>" not in page


def test_page_lists_each_release_as_a_row() -> None:
    rows = re.findall(r"<tr><td>.*?</tr>", _page())
    assert rows == [
        '<tr><td>2026-04-02</td><td><a href="#project-asthma">asthma</a></td>'
        "<td>1 other</td><td>1</td><td>default 2026.1</td></tr>",
        '<tr><td>2026-03-10</td><td><a href="#project-stroke">stroke</a></td>'
        "<td>2 table, 1 figure, 1 code</td><td>2</td><td>default 2026.1</td></tr>",
    ]


def test_page_shows_a_projects_public_fields() -> None:
    page = _page()
    assert "<dt>Institutions</dt><dd>University of Exeter, NHS South West</dd>" in page
    assert "<dt>Contacts</dt><dd>Prof. A. Example</dd>" in page
    assert "<dt>Tier</dt><dd>3 (most sensitive)</dd>" in page
    assert "<dt>Datasets</dt><dd>cohort, hes</dd>" in page
    assert "<dt>Ends</dt><dd>2027-03-31</dd>" in page
    assert "Updated 2026-05-01 12:00 UTC." in page


def test_page_loads_nothing_but_its_own_stylesheet() -> None:
    page = _page()
    assert "<script" not in page
    assert re.findall(r'(?:href|src)="([^"#][^"]*)"', page) == ["register.css", "register.json"]
    assert "url(" not in stylesheet()
    assert "@import" not in stylesheet()


def test_an_empty_register_says_so() -> None:
    page = render_page(build_register((), (), at=AT))
    assert "<h2>Projects (0)</h2><p>No projects.</p>" in page
    assert "<h2>Releases (0)</h2><p>No releases yet.</p>" in page


def test_a_release_of_a_project_no_longer_listed_has_no_dangling_link() -> None:
    page = render_page(build_register((), releases_from_requests(REQUESTS[:1]), at=AT))
    assert "<tr><td>2026-03-10</td><td>stroke</td>" in page
    assert "#project-stroke" not in page
