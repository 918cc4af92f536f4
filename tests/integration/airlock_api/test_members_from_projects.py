"""Airlock roles come from the ResearchProjects in the real API server, and follow them.

The airlock watches ResearchProjects with a ServiceAccount that holds only the
airlock's read-only ClusterRole rules. A member removed from a project loses their
airlock rights within seconds; a member added gains them; the test measures both
delays and prints them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.api.app import create_app
from orchestrator.domain.airlock_access import AIRLOCK_RULES
from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, KIND, PLURAL
from tests.doubles.basic_checker import BasicChecker
from tests.harness.kubernetes import Kube
from tests.integration.airlock_api.conftest import Airlock, make_settings
from tests.integration.controller.platform import install_crds
from tests.integration.controller.projects import make_spec

PROJECTS = f"/apis/{API_GROUP}/{API_VERSION}/{PLURAL}"
ALLOWED_DELAY = 5.0
"""Seconds within which a membership change must reach the airlock."""


@pytest.fixture(scope="module")
def crds(kube: Kube) -> Kube:
    install_crds(kube)
    return kube


@pytest.fixture
def airlock_kubeconfig(crds: Kube) -> Iterator[Path]:
    """A kubeconfig for a ServiceAccount bound to exactly the airlock's ClusterRole rules."""
    suffix = secrets.token_hex(3)
    namespace = crds.create_namespace(f"airlock-{suffix}")
    role = f"tre-airlock-{suffix}"
    with crds.http() as client:
        for path, body in [
            (
                f"/api/v1/namespaces/{namespace}/serviceaccounts",
                {"metadata": {"name": "airlock"}},
            ),
            (
                "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                {"metadata": {"name": role}, "rules": list(AIRLOCK_RULES)},
            ),
            (
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                {
                    "metadata": {"name": role},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": role,
                    },
                    "subjects": [
                        {"kind": "ServiceAccount", "name": "airlock", "namespace": namespace}
                    ],
                },
            ),
        ]:
            answer = client.post(path, json=body)
            assert answer.status_code == 201, answer.text
    try:
        yield crds.kubeconfig_for(namespace, "airlock")
    finally:
        with crds.http() as client:
            client.delete(f"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{role}")
            client.delete(f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role}")
        crds.delete_namespace(namespace)


@pytest.fixture
def project(crds: Kube) -> Iterator[str]:
    """A ResearchProject listing alice as researcher and rita as reviewer (no controller runs)."""
    name = f"members-{secrets.token_hex(3)}"
    members = [
        {"username": "alice", "roles": ["researcher"]},
        {"username": "rita", "roles": ["reviewer"]},
    ]
    body = {
        "apiVersion": f"{API_GROUP}/{API_VERSION}",
        "kind": KIND,
        "metadata": {"name": name},
        "spec": make_spec(members=members),
    }
    with crds.http() as client:
        answer = client.post(PROJECTS, json=body)
        assert answer.status_code == 201, answer.text
    try:
        yield name
    finally:
        with crds.http() as client:
            client.delete(f"{PROJECTS}/{name}")


def set_members(kube: Kube, project: str, members: list[dict[str, Any]]) -> None:
    with kube.http() as client:
        answer = client.patch(
            f"{PROJECTS}/{project}",
            json={"spec": {"members": members}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture
async def airlock(
    airlock_kubeconfig: Path,
    s3: Any,
    keycloak: Any,
    tokens: Callable[[str], str],
    tmp_path: Path,
) -> AsyncIterator[Airlock]:
    settings = make_settings(
        database_url=f"sqlite:///{tmp_path / 'airlock.db'}",
        s3=s3,
        keycloak=keycloak,
        tmp_path=tmp_path,
        roles={
            "members_from": "kubernetes",
            "kubeconfig": str(airlock_kubeconfig),
            "operators": ["otto"],
        },
    )
    app = create_app(settings, checker=BasicChecker())
    async with app.router.lifespan_context(app):
        members = app.state.components.members
        assert members is not None
        assert members.wait_synced(30), "the airlock never read the ResearchProjects"
        yield Airlock(app=app, settings=settings, tokens=tokens)


async def _create(airlock: Airlock, project: str, username: str) -> Any:
    async with airlock.client(username) as client:
        return await client.post(
            f"/api/v1/projects/{project}/requests", json={"title": "Table", "purpose": "paper"}
        )


async def _seconds_until(check: Callable[[], Any], expected: int) -> float:
    started = time.monotonic()
    while True:
        answer = await check()
        if answer.status_code == expected:
            return time.monotonic() - started
        assert time.monotonic() - started < ALLOWED_DELAY, (
            f"still {answer.status_code} after {ALLOWED_DELAY} s: {answer.text}"
        )


async def test_a_removed_member_loses_airlock_rights_within_seconds_and_regains_them(
    airlock: Airlock, crds: Kube, project: str
) -> None:
    first = await _create(airlock, project, "alice")
    assert first.status_code == 201, first.text
    outsider = await _create(airlock, project, "ben")
    assert outsider.status_code == 403
    assert "you hold no role there" in outsider.json()["detail"]

    set_members(crds, project, [{"username": "rita", "roles": ["reviewer"]}])
    removal = await _seconds_until(lambda: _create(airlock, project, "alice"), 403)
    refused = await _create(airlock, project, "alice")
    assert refused.status_code == 403
    assert "you hold no role there" in refused.json()["detail"]
    async with airlock.client("alice") as client:
        own = await client.post(f"/api/v1/requests/{first.json()['id']}/submit")
    assert own.status_code == 403, own.text

    set_members(
        crds,
        project,
        [
            {"username": "rita", "roles": ["reviewer"]},
            {"username": "ben", "roles": ["researcher"]},
        ],
    )
    addition = await _seconds_until(lambda: _create(airlock, project, "ben"), 201)
    print(
        f"membership change reached the airlock: removal {removal:.3f} s, addition {addition:.3f} s"
    )


async def test_a_deleted_project_grants_nothing(airlock: Airlock, crds: Kube, project: str) -> None:
    assert (await _create(airlock, project, "alice")).status_code == 201
    with crds.http() as client:
        assert client.delete(f"{PROJECTS}/{project}").status_code == 200
    await _seconds_until(lambda: _create(airlock, project, "alice"), 403)
