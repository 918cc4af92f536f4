"""Every endpoint x every role x own / other project: allowed or refused, as written here.

The endpoint list comes from the running app's OpenAPI document, so a new route
without an entry in ``EXPECTED`` fails this test. "Allowed" means the role gate let
the call through (the answer may still be 404/409/422 or a request-level refusal
``not_permitted`` from the review rules); "refused" means 403 with code
``role_required``; anonymous callers get 401.

Roles (see ``conftest.ROLES``): in ``genomics`` alice is a researcher, rita and rosa
reviewers, ravi project admin; in ``cancer`` ben is a researcher and rosa a reviewer;
otto is the operator. The matrix acts as alice, rita, ravi and otto.
"""

from __future__ import annotations

import pytest

from orchestrator.api.routes.operations import PUBLIC_PATHS
from tests.integration.airlock_api.conftest import Airlock

R, V, A, OP = "researcher", "reviewer", "project_admin", "operator"
ROLE_USERS = {R: "alice", V: "rita", A: "ravi", OP: "otto"}
API = "/api/v1"

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", f"{API}/projects/{{project}}/requests"): frozenset({R, A}),
    ("GET", f"{API}/requests"): frozenset({R, V, A, OP}),
    ("GET", f"{API}/requests/{{request_id}}"): frozenset({R, V, A, OP}),
    ("PUT", f"{API}/requests/{{request_id}}/files/{{name}}"): frozenset({R, A}),
    ("POST", f"{API}/requests/{{request_id}}/submit"): frozenset({R, A}),
    ("POST", f"{API}/requests/{{request_id}}/versions"): frozenset({R, A}),
    ("POST", f"{API}/requests/{{request_id}}/withdraw"): frozenset({R, A}),
    ("GET", f"{API}/requests/{{request_id}}/review"): frozenset({V}),
    ("POST", f"{API}/requests/{{request_id}}/decisions"): frozenset({V}),
    ("POST", f"{API}/requests/{{request_id}}/release"): frozenset({V, OP}),
    ("GET", f"{API}/requests/{{request_id}}/manifest"): frozenset({R, V, A, OP}),
    ("GET", f"{API}/requests/{{request_id}}/files/{{name}}/content"): frozenset({R, A}),
    ("POST", f"{API}/requests/{{request_id}}/revoke"): frozenset({V, OP}),
    ("POST", f"{API}/requests/{{request_id}}/retry"): frozenset({OP}),
    ("GET", f"{API}/audit/verify"): frozenset({OP}),
}
GLOBAL = {("GET", f"{API}/audit/verify")}
"""Endpoints about no project: only the global operator role counts, own or other alike."""

BODIES = {
    "decisions": {"json": {"decision": "reject", "comment": "matrix"}},
    "revoke": {"json": {"reason": "matrix"}},
    "requests": {"json": {"title": "matrix", "purpose": "authorization matrix"}},
}


def endpoints(airlock: Airlock) -> set[tuple[str, str]]:
    paths = airlock.app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path not in PUBLIC_PATHS
    }


async def test_every_protected_endpoint_has_an_expected_row(airlock: Airlock) -> None:
    assert endpoints(airlock) == set(EXPECTED), (
        "add the new endpoint to EXPECTED with the roles that may call it"
    )


async def test_public_endpoints_answer_without_credentials(airlock: Airlock) -> None:
    async with airlock.client() as anonymous:
        for path in sorted(PUBLIC_PATHS):
            assert (await anonymous.get(path)).status_code == 200, path


async def _draft(airlock: Airlock, username: str, project: str) -> str:
    async with airlock.client(username) as client:
        created = await client.post(
            f"{API}/projects/{project}/requests", json={"title": "t", "purpose": "p"}
        )
        assert created.status_code == 201, created.text
        request_id: str = created.json()["id"]
        uploaded = await client.put(
            f"{API}/requests/{request_id}/files/table.csv", content=b"a,b\n100,200\n"
        )
        assert uploaded.status_code == 200, uploaded.text
        return request_id


def _url(path: str, project: str, request_id: str) -> str:
    return (
        path.replace("{project}", project)
        .replace("{request_id}", request_id)
        .replace("{name}", "table.csv")
    )


def _kwargs(method: str, path: str, project: str) -> dict[str, object]:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    kwargs: dict[str, object] = dict(BODIES.get(last, {}))
    if method == "PUT":
        kwargs["content"] = b"a,b\n100,200\n"
    if path == f"{API}/requests":
        kwargs["params"] = {"project": project}
    return kwargs


@pytest.mark.parametrize("where", ["own", "other"])
async def test_authorization_matrix(airlock: Airlock, where: str) -> None:
    own = {"genomics": await _draft(airlock, "alice", "genomics")}
    other = {"cancer": await _draft(airlock, "ben", "cancer")}
    ((project, request_id),) = (own if where == "own" else other).items()
    mismatches: list[str] = []
    for (method, path), allowed in sorted(EXPECTED.items()):
        url = _url(path, project, request_id)
        kwargs = _kwargs(method, path, project)
        async with airlock.client() as anonymous:
            answer = await anonymous.request(method, url, **kwargs)  # type: ignore[arg-type]
            if answer.status_code != 401:
                mismatches.append(f"anonymous {method} {path}: {answer.status_code}, expected 401")
        for role, username in ROLE_USERS.items():
            expect_allowed = role in allowed and (
                where == "own" or role == OP or (method, path) in GLOBAL
            )
            async with airlock.client(username) as client:
                answer = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
            body = (
                answer.json()
                if answer.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            refused = answer.status_code == 403 and body.get("code") == "role_required"
            if refused == expect_allowed or answer.status_code == 401:
                verdict = "allowed" if expect_allowed else "refused"
                mismatches.append(
                    f"{role} ({username}) {method} {path} on {where} project: expected {verdict}, "
                    f"got {answer.status_code} {body.get('detail', '')}"
                )
            if refused:
                assert username in body["detail"], "a refusal names who was refused and why"
    assert not mismatches, "\n".join(mismatches)
