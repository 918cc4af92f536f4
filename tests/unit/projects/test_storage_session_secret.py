"""Member identities are named per project and person; a server's key Secret is its own."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.manifests.storage_session import (
    IssuedKey,
    ServerPod,
    make_storage_session_secret,
)
from orchestrator.domain.projects.storage import StorageKeyRefused, check_may_hold_storage_key
from tests.unit.projects.examples import spec as example_spec


def test_member_identities_are_per_project_and_person_and_name_any_username() -> None:
    assert naming.member_storage_identity("diabetes", "alice") == (
        "tre-member-diabetes-2bd806c97f0e00af"
    )
    assert naming.member_storage_identity("diabetes", "bob@example.org") == (
        "tre-member-diabetes-686b5e4cf4f963ad"
    )
    assert naming.member_storage_identity("diabetes-x", "alice") != (
        naming.member_storage_identity("diabetes", "alice")
    )


def test_a_projects_identities_are_told_apart_from_a_longer_projects() -> None:
    assert naming.is_member_storage_identity("a", "tre-member-a-2bd806c97f0e00af")
    assert not naming.is_member_storage_identity("a", "tre-member-a-b-2bd806c97f0e00af")
    assert not naming.is_member_storage_identity("a", "tre-project-a")
    assert not naming.is_member_storage_identity("a", "tre-member-a-2bd806c97f0e00a")


def test_the_secret_holds_a_credentials_file_and_is_owned_by_the_pod() -> None:
    pod = ServerPod(project="diabetes", name="jupyter-alice", uid="u-1", member="alice")
    key = IssuedKey("AK1", datetime(2026, 6, 1, 20, 0, tzinfo=UTC), "s3cr3t")

    secret = make_storage_session_secret(pod, key)

    assert secret["metadata"]["name"] == "tre-storage-alice"
    assert secret["metadata"]["namespace"] == "tre-diabetes"
    assert secret["metadata"]["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Pod", "name": "jupyter-alice", "uid": "u-1"}
    ]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == {
        "credentials": "[default]\naws_access_key_id = AK1\naws_secret_access_key = s3cr3t\n",
        "access_key": "AK1",
        "secret_key": "s3cr3t",
        "expires_at": "2026-06-01T20:00:00+00:00",
    }
    assert "s3cr3t" not in repr(key)


def test_only_researchers_of_a_running_project_may_hold_a_key() -> None:
    parsed = example_spec()
    researcher = next(m.username for m in parsed.members if "researcher" in m.roles)
    check_may_hold_storage_key("diabetes", parsed, researcher, suspension=None)
    with pytest.raises(StorageKeyRefused, match="'nobody' is not a researcher of project diabetes"):
        check_may_hold_storage_key("diabetes", parsed, "nobody", suspension=None)
    with pytest.raises(StorageKeyRefused, match="project diabetes is suspended"):
        check_may_hold_storage_key("diabetes", parsed, researcher, suspension="suspended by hand")
