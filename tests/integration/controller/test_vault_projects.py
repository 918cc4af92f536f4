"""A project's Vault policy, Kubernetes login role and secrets on real OpenBao, with
logins checked by the real API server (TokenReview)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import hvac
import hvac.exceptions
import pytest

from orchestrator.adapters.vault_projects import (
    VaultProjects,
    VaultRefused,
    VaultUnavailable,
)
from orchestrator.embedded.openbao import OpenBaoDev, OpenBaoPersistent
from orchestrator.embedded.processes import free_port
from tests.harness.kubernetes import Kube
from tests.integration.controller.conftest import KubernetesAuth, project_name


def _policy_hcl(vault: VaultProjects, project: str) -> str:
    return (
        f"# Generated for project {project}: read its storage credentials, nothing else.\n"
        f'path "{vault.kv_mount}/data/projects/{project}/storage" {{\n'
        '  capabilities = ["read"]\n'
        "}\n"
    )


def _enrol(vault: VaultProjects, project: str) -> None:
    """What the controller does for a project: policy, role bound to its workspace, secret."""
    vault.ensure_policy(f"tre-project-{project}", _policy_hcl(vault, project))
    vault.ensure_role(
        f"tre-project-{project}",
        service_account="workspace",
        namespace=f"tre-{project}",
        policies=[f"tre-project-{project}"],
        ttl_seconds=600,
        audience=None,
    )
    vault.put_secret(f"projects/{project}/storage", {"access_key": f"ak-{project}"})


def _login(openbao: OpenBaoDev, vault: VaultProjects, role: str, jwt: str) -> hvac.Client:
    client = hvac.Client(url=openbao.url)
    client.auth.kubernetes.login(role, jwt, mount_point=vault.kubernetes_mount)
    return client


def _read(client: hvac.Client, vault: VaultProjects, project: str) -> dict[str, str]:
    response = client.secrets.kv.v2.read_secret_version(
        path=f"projects/{project}/storage",
        mount_point=vault.kv_mount,
        raise_on_deleted_version=True,
    )
    data: dict[str, str] = response["data"]["data"]
    return data


def test_second_reconcile_of_an_unchanged_project_writes_nothing(vault: VaultProjects) -> None:
    project = project_name()
    hcl = _policy_hcl(vault, project)
    role = {
        "service_account": "workspace",
        "namespace": f"tre-{project}",
        "policies": [f"tre-project-{project}"],
        "ttl_seconds": 600,
        "audience": None,
    }
    secret = {"access_key": "a", "secret_key": "b"}

    assert vault.ensure_engines() is False
    assert vault.ensure_policy(f"tre-project-{project}", hcl) is True
    assert vault.ensure_role(f"tre-project-{project}", **role) is True  # type: ignore[arg-type]
    assert vault.put_secret(f"projects/{project}/storage", secret) is True

    assert vault.ensure_policy(f"tre-project-{project}", hcl) is False
    assert vault.ensure_role(f"tre-project-{project}", **role) is False  # type: ignore[arg-type]
    assert vault.put_secret(f"projects/{project}/storage", secret) is False
    assert vault.read_secret(f"projects/{project}/storage") == secret


def test_changed_policy_role_and_secret_are_written_again(vault: VaultProjects) -> None:
    project = project_name()
    _enrol(vault, project)
    name = f"tre-project-{project}"

    assert vault.ensure_policy(name, _policy_hcl(vault, project).replace("read", "list")) is True
    assert (
        vault.ensure_role(
            name,
            service_account="workspace",
            namespace=f"tre-{project}",
            policies=[name],
            ttl_seconds=900,
            audience="vault",
        )
        is True
    )
    assert vault.put_secret(f"projects/{project}/storage", {"access_key": "rotated"}) is True
    assert vault.read_secret(f"projects/{project}/storage") == {"access_key": "rotated"}


def test_role_options_are_compared_and_cleared_when_dropped(
    openbao: OpenBaoDev, vault: VaultProjects
) -> None:
    project = project_name()
    name = f"tre-project-{project}"
    base = {"service_account": "workspace", "namespace": f"tre-{project}", "policies": [name]}
    strict = {"max_ttl_seconds": 600, "no_default_policy": True, "audience": "vault"}

    assert vault.ensure_role(name, ttl_seconds=600, **base, **strict) is True  # type: ignore[arg-type]
    assert vault.ensure_role(name, ttl_seconds=600, **base, **strict) is False  # type: ignore[arg-type]
    stored = openbao.client().auth.kubernetes.read_role(name, mount_point=vault.kubernetes_mount)
    assert stored["token_no_default_policy"] is True
    assert stored["token_max_ttl"] == 600
    assert stored["audience"] == "vault"

    assert vault.ensure_role(name, ttl_seconds=600, audience=None, **base) is True  # type: ignore[arg-type]
    assert vault.ensure_role(name, ttl_seconds=600, audience=None, **base) is False  # type: ignore[arg-type]
    stored = openbao.client().auth.kubernetes.read_role(name, mount_point=vault.kubernetes_mount)
    assert not stored.get("audience")
    assert stored["token_max_ttl"] == 0
    assert stored["token_no_default_policy"] is False


def test_missing_secret_reads_as_none(vault: VaultProjects) -> None:
    assert vault.read_secret("projects/nobody/storage") is None


def test_kubernetes_auth_is_configured_once(
    vault: VaultProjects, kubernetes_auth: KubernetesAuth
) -> None:
    auth = kubernetes_auth
    assert vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt) is True
    assert vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt) is False
    assert vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt + "x") is True


def test_workspace_service_account_logs_in_and_reads_only_its_own_project_secret(
    openbao: OpenBaoDev,
    vault: VaultProjects,
    kube: Kube,
    kubernetes_auth: KubernetesAuth,
    make_project_namespace: Callable[[], str],
) -> None:
    auth = kubernetes_auth
    vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt)
    mine, theirs = make_project_namespace(), make_project_namespace()
    _enrol(vault, mine)
    _enrol(vault, theirs)
    my_jwt = kube.plane.service_account_token(f"tre-{mine}", "workspace")
    their_jwt = kube.plane.service_account_token(f"tre-{theirs}", "workspace")

    client = _login(openbao, vault, f"tre-project-{mine}", my_jwt)

    assert _read(client, vault, mine) == {"access_key": f"ak-{mine}"}
    with pytest.raises(hvac.exceptions.Forbidden):
        _read(client, vault, theirs)
    # Another project's workspace token cannot log in with this project's role...
    with pytest.raises(hvac.exceptions.VaultError):
        _login(openbao, vault, f"tre-project-{mine}", their_jwt)
    # ...and with its own role it reads only its own secret.
    theirs_client = _login(openbao, vault, f"tre-project-{theirs}", their_jwt)
    with pytest.raises(hvac.exceptions.Forbidden):
        _read(theirs_client, vault, mine)


def test_revoked_logins_stop_working_and_other_projects_keep_theirs(
    openbao: OpenBaoDev,
    vault: VaultProjects,
    kube: Kube,
    kubernetes_auth: KubernetesAuth,
    make_project_namespace: Callable[[], str],
) -> None:
    auth = kubernetes_auth
    vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt)
    mine, theirs = make_project_namespace(), make_project_namespace()
    _enrol(vault, mine)
    _enrol(vault, theirs)
    my_jwt = kube.plane.service_account_token(f"tre-{mine}", "workspace")
    first = _login(openbao, vault, f"tre-project-{mine}", my_jwt)
    second = _login(openbao, vault, f"tre-project-{mine}", my_jwt)
    other = _login(
        openbao,
        vault,
        f"tre-project-{theirs}",
        kube.plane.service_account_token(f"tre-{theirs}", "workspace"),
    )
    accessor = first.auth.token.lookup_self()["data"]["accessor"]
    looked_up = openbao.client().auth.token.lookup_accessor(accessor)["data"]
    assert looked_up["meta"]["role"] == f"tre-project-{mine}"

    assert vault.revoke_project_logins(f"tre-project-{mine}") == 2

    for revoked in (first, second):
        with pytest.raises(hvac.exceptions.Forbidden):
            _read(revoked, vault, mine)
    assert _read(other, vault, theirs) == {"access_key": f"ak-{theirs}"}
    assert vault.revoke_project_logins(f"tre-project-{mine}") == 0


def test_removed_project_can_no_longer_log_in_and_its_secret_is_gone(
    openbao: OpenBaoDev,
    vault: VaultProjects,
    kube: Kube,
    kubernetes_auth: KubernetesAuth,
    make_project_namespace: Callable[[], str],
) -> None:
    auth = kubernetes_auth
    vault.configure_kubernetes_auth(auth.host, auth.ca_pem, auth.reviewer_jwt)
    project = make_project_namespace()
    _enrol(vault, project)
    jwt = kube.plane.service_account_token(f"tre-{project}", "workspace")
    live = _login(openbao, vault, f"tre-project-{project}", jwt)
    name = f"tre-project-{project}"

    vault.remove_project(name, name, f"projects/{project}/storage")

    with pytest.raises(hvac.exceptions.Forbidden):
        _read(live, vault, project)
    with pytest.raises(hvac.exceptions.VaultError):
        _login(openbao, vault, name, jwt)
    assert vault.read_secret(f"projects/{project}/storage") is None
    vault.remove_project(name, name, f"projects/{project}/storage")  # again: not an error


def test_token_without_rights_is_refused_with_what_was_refused(
    openbao: OpenBaoDev, vault: VaultProjects
) -> None:
    weak = openbao.client().auth.token.create(policies=["default"], ttl="5m")["auth"]
    as_weak = VaultProjects(
        hvac.Client(url=openbao.url, token=weak["client_token"]),
        kv_mount=vault.kv_mount,
        kubernetes_mount=vault.kubernetes_mount,
    )

    with pytest.raises(VaultRefused, match="writing policy tre-project-x"):
        as_weak.ensure_policy("tre-project-x", 'path "x" { capabilities = ["read"] }')
    with pytest.raises(VaultRefused, match="reading secret"):
        as_weak.read_secret("projects/x/storage")


def test_closed_port_is_reported_as_unavailable() -> None:
    nowhere = VaultProjects(hvac.Client(url=f"http://127.0.0.1:{free_port()}", token="t"))
    with pytest.raises(VaultUnavailable, match="Vault is unavailable"):
        nowhere.ensure_engines()
    with pytest.raises(VaultUnavailable):
        nowhere.put_secret("projects/x/storage", {"a": "b"})


def test_sealed_vault_is_reported_as_unavailable(
    openbao_persistent_factory: Callable[[], OpenBaoPersistent],
) -> None:
    server = openbao_persistent_factory()
    client = server.client()
    projects = VaultProjects(client)
    projects.ensure_engines()
    client.sys.seal()

    with pytest.raises(VaultUnavailable):
        projects.read_secret("projects/x/storage")


def test_stopped_vault_is_reported_as_unavailable(tmp_path: Path) -> None:
    server = OpenBaoDev(log_dir=tmp_path).start()
    projects = VaultProjects(server.client())
    projects.ensure_engines()
    server.stop()

    with pytest.raises(VaultUnavailable):
        projects.put_secret("projects/x/storage", {"a": "b"})
