"""Every name of a project follows from its name, and all are valid where they are used."""

from __future__ import annotations

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.spec import MAX_PROJECT_NAME
from orchestrator.domain.storage_policies import check_bucket_name


def test_names_of_a_project() -> None:
    assert naming.namespace_name("diabetes") == "tre-diabetes"
    assert naming.inputs_bucket("diabetes") == "tre-diabetes-inputs"
    assert naming.outbox_bucket("diabetes") == "tre-diabetes-outbox"
    assert naming.vault_policy_name("diabetes") == "tre-project-diabetes"
    assert naming.vault_role_name("diabetes") == "tre-project-diabetes"
    assert naming.storage_identity_name("diabetes") == "tre-project-diabetes"
    assert naming.vault_storage_secret_path("diabetes") == "projects/diabetes/storage"
    assert naming.hub_url("diabetes") == "http://hub.tre-diabetes.svc:8081/hub/api"


def test_the_outbox_matches_the_airlocks_pattern() -> None:
    from orchestrator.services.airlock.ports import AirlockConfig

    pattern = AirlockConfig.__dataclass_fields__["outbox_bucket_pattern"].default
    assert naming.outbox_bucket("x") == pattern.format(project="x")


def test_the_longest_project_name_still_gives_valid_names() -> None:
    longest = "a" * MAX_PROJECT_NAME
    for bucket in naming.project_buckets(longest):
        check_bucket_name(bucket)
    assert len(naming.namespace_name(longest)) <= 63
    assert len(naming.storage_identity_name(longest)) <= 64
