"""The per-project jupyterhub_config.py is valid Python that configures a sealed hub."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.domain.projects.enclave import Enclave
from orchestrator.domain.projects.manifests.hub_config import make_hub_config_text
from tests.unit.projects.examples import GPU_PROFILES, PLATFORM, spec


class Recorder:
    """A stand-in for traitlets' config: records ``c.Class.trait = value``."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __getattr__(self, section: str) -> Any:
        recorder = self

        class Section:
            def __setattr__(self, trait: str, value: Any) -> None:
                recorder.values[f"{section}.{trait}"] = value

        return Section()


ENVIRONMENT = {
    "HUB_SERVICE_HOST": "10.96.0.10",
    "HUB_SERVICE_PORT": "8081",
    "PROXY_API_SERVICE_HOST": "10.96.0.11",
    "PROXY_API_SERVICE_PORT": "8001",
}


def run_config(**changes: Any) -> dict[str, Any]:
    text = make_hub_config_text(Enclave("diabetes", spec(**changes), PLATFORM))
    code = compile(text, "jupyterhub_config.py", "exec")
    recorder = Recorder()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENVIRONMENT.items():
            patch.setenv(key, value)
        exec(code, {"get_config": lambda: recorder, "__name__": "config"})
    return recorder.values


def test_the_hub_finds_itself_and_the_proxy_without_dns() -> None:
    config = run_config()
    assert config["JupyterHub.hub_connect_url"] == "http://10.96.0.10:8081"
    assert config["ConfigurableHTTPProxy.api_url"] == "http://10.96.0.11:8001"
    assert config["ConfigurableHTTPProxy.should_start"] is False


def test_user_servers_are_hardened() -> None:
    config = run_config()
    assert config["KubeSpawner.namespace"] == "tre-diabetes"
    assert config["KubeSpawner.service_account"] == "workspace"
    assert config["KubeSpawner.automount_service_account_token"] is False
    context = config["KubeSpawner.container_security_context"]
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert config["KubeSpawner.pod_security_context"]["runAsNonRoot"] is True
    mounts = {m["mountPath"] for m in config["KubeSpawner.volume_mounts"]}
    assert mounts == {
        "/home/jovyan",
        "/tmp",
        "/var/run/secrets/tre/storage",
        "/var/run/secrets/tre/vault",
    }


def test_each_server_mounts_its_own_storage_key_named_after_its_pod() -> None:
    config = run_config()
    (volume,) = [v for v in config["KubeSpawner.volumes"] if "secret" in v]
    assert volume["secret"]["secretName"] == "tre-storage-{user_server}"
    assert config["KubeSpawner.pod_name_template"] == "jupyter-{user_server}"
    env = config["KubeSpawner.environment"]
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == "/var/run/secrets/tre/storage/credentials"


def test_user_servers_log_in_to_vault_with_a_vault_audience_token() -> None:
    config = run_config()
    (projected,) = [v for v in config["KubeSpawner.volumes"] if "projected" in v]
    (source,) = projected["projected"]["sources"]
    assert source["serviceAccountToken"]["audience"] == "vault"
    env = config["KubeSpawner.environment"]
    assert env["TRE_VAULT_ROLE"] == "tre-project-diabetes"
    assert "TRE_STORAGE_SECRET" not in env
    assert env["TRE_OUTBOX_BUCKET"] == "tre-diabetes-outbox"
    # Braces doubled: KubeSpawner formats every environment value as a template, and the
    # pod then receives the JSON (tests/integration/test_jupyterhub_spawn.py spawns it).
    assert env["TRE_DATASETS"] == '{{"cohort": {{"bucket": "nhs-cohort", "prefix": "2024/"}}}}'
    assert not any("SECRET_KEY" in key or "PASSWORD" in key for key in env)


def test_downloads_are_switched_off_on_the_command_line() -> None:
    args = run_config()["KubeSpawner.args"]
    assert "--ContentsManager.files_handler_class=tornado.web.ErrorHandler" in args
    assert "--ContentsManager.allow_hidden=False" in args
    assert "--Exporter.enabled=False" in args


def test_profiles_come_from_the_spec_with_only_allowed_images() -> None:
    images = ["ghcr.io/tre/a:1", "ghcr.io/tre/b:2"]
    config = run_config(computeProfiles=GPU_PROFILES, images=images)
    small, gpu = config["KubeSpawner.profile_list"]
    assert (small["slug"], small["default"], gpu["default"]) == ("small", False, True)
    assert gpu["kubespawner_override"] == {
        "cpu_guarantee": 4.0,
        "cpu_limit": 4.0,
        "mem_guarantee": 16 * 2**30,
        "mem_limit": 16 * 2**30,
        "extra_resource_guarantees": {"nvidia.com/gpu": "1"},
        "extra_resource_limits": {"nvidia.com/gpu": "1"},
    }
    choices = small["profile_options"]["image"]["choices"]
    assert [c["kubespawner_override"]["image"] for c in choices.values()] == images
    assert config["KubeSpawner.image"] == images[0]


def test_a_server_with_an_unlisted_image_is_refused() -> None:
    hook = run_config()["KubeSpawner.pre_spawn_hook"]

    class Spawner:
        image = "evil/miner:latest"

    with pytest.raises(ValueError, match="not allowed"):
        hook(Spawner())
    Spawner.image = "ghcr.io/tre-orchestrator/workspace:0.1.0"
    hook(Spawner())


def test_only_researchers_may_log_in_and_the_airlock_is_a_service() -> None:
    config = run_config()
    assert config["Authenticator.allowed_users"] == ["alice"]
    assert config["Authenticator.admin_users"] == []
    assert config["JupyterHub.services"] == [
        {"name": "airlock", "url": "http://tre-airlock.tre-system.svc:80", "display": True}
    ]


def test_user_pods_carry_the_labels_the_network_policies_select() -> None:
    from orchestrator.domain.projects import naming

    config = run_config()
    assert config["KubeSpawner.extra_labels"] == {naming.PROJECT_LABEL: "diabetes"}
    # KubeSpawner labels its pods app.kubernetes.io/component=<component_label>.
    assert "KubeSpawner.component_label" not in config
    assert naming.SINGLEUSER_COMPONENT == "singleuser-server"
