"""The chart lints, renders, and every manifest is valid for the pinned Kubernetes."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as kv_utils

import orchestrator
from orchestrator.domain.operator_access import bind_rule, make_admission_policy
from orchestrator.embedded.paths import pinned_versions
from tests.unit.helm_chart import (
    CHART,
    FULL_VALUES,
    MINIMAL_VALUES,
    by_kind,
    kube_version,
    minimal_values,
    one,
    render,
    run_helm,
    template,
)

SCENARIOS: dict[str, dict[str, Any]] = {
    "minimal": yaml.safe_load(MINIMAL_VALUES.read_text()),
    "full": yaml.safe_load(FULL_VALUES.read_text()),
    "single-replicas-no-budget": minimal_values(
        operator={"replicas": 1},
        airlock={"replicas": 1, "requiredApprovals": 1, "podDisruptionBudget": {"enabled": False}},
    ),
    "in-cluster-plain-http": minimal_values(
        objectStorage={"endpoint": "http://seaweedfs.storage.svc:8333", "insecureAllowHttp": True},
        vault={"address": "http://openbao.vault.svc:8200", "insecureAllowHttp": True},
        metrics={"serviceMonitor": {"enabled": True}},
    ),
}

# Kinds whose schema comes from a CRD rather than from Kubernetes itself.
CUSTOM_KINDS = {"ClusterKopfPeering", "ServiceMonitor", "PrometheusRule"}


def kubernetes_schema_version() -> str:
    """The newest schema version kubernetes-validate ships that is not newer than the pin."""
    pinned = tuple(int(p) for p in pinned_versions()["KUBERNETES_VERSION"].split(".")[:2])
    shipped = sorted(
        {tuple(int(p) for p in v.split(".")[:2]) for v in kv_utils.all_versions()}, reverse=True
    )
    usable = [v for v in shipped if v <= pinned]
    assert usable, f"kubernetes-validate ships no schema at or below {pinned}"
    return f"{usable[0][0]}.{usable[0][1]}.0"


def test_schema_version_is_the_pinned_minor_when_available() -> None:
    pinned = pinned_versions()["KUBERNETES_VERSION"]
    assert kubernetes_schema_version().rsplit(".", 1)[0] <= pinned.rsplit(".", 1)[0]


@pytest.mark.parametrize("values_file", [MINIMAL_VALUES, FULL_VALUES], ids=["minimal", "full"])
def test_helm_lint_passes_strictly(values_file: Any) -> None:
    result = run_helm(
        "lint",
        "--strict",
        str(CHART),
        "--kube-version",
        kube_version(),
        "--values",
        str(values_file),
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_rendered_manifest_is_valid_kubernetes(scenario: str) -> None:
    version = kubernetes_schema_version()
    manifests = render(SCENARIOS[scenario])
    built_in = [m for m in manifests if m["kind"] not in CUSTOM_KINDS]
    assert built_in
    for manifest in built_in:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{manifest['kind']}/{manifest['metadata']['name']}: {exc.message}")


def test_the_peering_object_matches_the_shipped_peering_crd() -> None:
    manifests = render(SCENARIOS["minimal"])
    crd = one(manifests, "CustomResourceDefinition", "clusterkopfpeerings.kopf.dev")
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    (peering,) = by_kind(manifests, "ClusterKopfPeering")
    assert peering["apiVersion"] == f"{crd['spec']['group']}/{crd['spec']['versions'][0]['name']}"
    jsonschema.validate(peering, schema)
    kubernetes_validate.validate(crd, kubernetes_schema_version(), strict=True)


def test_monitoring_objects_are_rendered_only_when_enabled() -> None:
    assert not {m["kind"] for m in render(SCENARIOS["minimal"])} & CUSTOM_KINDS - {
        "ClusterKopfPeering"
    }
    manifests = render(SCENARIOS["full"])
    monitors = by_kind(manifests, "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} == {"tre-operator", "tre-airlock"}
    for monitor in monitors:
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_alerts_cover_stuck_reviews_reconcile_errors_and_blocked_file_spikes() -> None:
    (rule,) = by_kind(render(SCENARIOS["full"]), "PrometheusRule")
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {
        "TreAirlockRequestStuckInReview",
        "TreAirlockBlockedFilesSpike",
        "TreOperatorReconcileErrors",
    } <= set(alerts)
    assert "[48h]" in alerts["TreAirlockRequestStuckInReview"]["expr"]
    assert alerts["TreAirlockBlockedFilesSpike"]["expr"].endswith("> 20")
    assert "{{ $labels.kind }}" in alerts["TreOperatorReconcileErrors"]["annotations"]["summary"]


def test_every_resource_name_carries_the_release_prefix() -> None:
    for manifest in render(SCENARIOS["minimal"]):
        name = manifest["metadata"]["name"]
        if manifest["kind"] in {"CustomResourceDefinition", "ClusterKopfPeering"}:
            continue
        assert name.startswith("tre-"), f"{manifest['kind']}/{name}"
        assert len(name) <= 63


def test_names_follow_fullname_override() -> None:
    names = {m["metadata"]["name"] for m in render(SCENARIOS["full"]) if m["kind"] == "Deployment"}
    assert names == {"tre-operator", "tre-airlock"}
    names = {
        m["metadata"]["name"]
        for m in render(minimal_values(fullnameOverride="research"))
        if m["kind"] == "Deployment"
    }
    assert names == {"research-operator", "research-airlock"}


def test_operator_runs_two_replicas_that_elect_a_leader_through_peering() -> None:
    manifests = render(SCENARIOS["minimal"])
    deployment = one(manifests, "Deployment", "tre-operator")
    assert deployment["spec"]["replicas"] == 2
    config = one(manifests, "ConfigMap", "tre-operator")["data"]
    (peering,) = by_kind(manifests, "ClusterKopfPeering")
    assert config["TRE_OPERATOR_PEERING"] == peering["metadata"]["name"] == "tre-orchestrator"
    anti = deployment["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"]


def test_operator_cluster_role_rules_come_from_the_rules_file() -> None:
    rules_file = yaml.safe_load((CHART / "files" / "operator-clusterrole-rules.yaml").read_text())
    manifests = render(SCENARIOS["minimal"])
    role = one(manifests, "ClusterRole", "tre-operator")
    assert role["rules"] == [*rules_file, bind_rule("tre-operator-project")]
    project_file = yaml.safe_load((CHART / "files" / "operator-project-rules.yaml").read_text())
    assert one(manifests, "ClusterRole", "tre-operator-project")["rules"] == project_file
    assert not [
        b
        for b in by_kind(manifests, "ClusterRoleBinding")
        if b["roleRef"]["name"] == "tre-operator-project"
    ], "bound per namespace only"
    binding = one(manifests, "ClusterRoleBinding", "tre-operator")
    assert binding["roleRef"]["name"] == "tre-operator"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "tre-operator", "namespace": "tre-system"}
    ]


def test_no_rule_grants_everything() -> None:
    role = one(render(SCENARIOS["minimal"]), "ClusterRole", "tre-operator")
    for rule in role["rules"]:
        assert "*" not in rule["verbs"], rule
        assert "*" not in rule["resources"], rule


def test_airlock_reads_credentials_only_from_existing_secrets() -> None:
    manifests = render(SCENARIOS["full"])
    assert not by_kind(manifests, "Secret")
    container = one(manifests, "Deployment", "tre-airlock")["spec"]["template"]["spec"][
        "containers"
    ][0]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert refs == {
        "TRE_AIRLOCK_DATABASE__URL": {"name": "tre-airlock-database", "key": "database-url"},
        "TRE_AIRLOCK_STORAGE__ACCESS_KEY": {"name": "tre-airlock-s3", "key": "accessKey"},
        "TRE_AIRLOCK_STORAGE__SECRET_KEY": {"name": "tre-airlock-s3", "key": "secretKey"},
        "TRE_AIRLOCK_SIGNING__VAULT_TOKEN": {"name": "tre-airlock-vault", "key": "token"},
    }
    for value in one(manifests, "ConfigMap", "tre-airlock")["data"].values():
        assert "password" not in value.lower()


def test_airlock_serves_its_api_with_the_configured_approvals() -> None:
    manifests = render(SCENARIOS["full"])
    spec = one(manifests, "Deployment", "tre-airlock")["spec"]["template"]["spec"]
    assert spec["containers"][0]["args"] == [
        "airlock",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
    ]
    config = one(manifests, "ConfigMap", "tre-airlock")["data"]
    assert config["TRE_AIRLOCK_REVIEW__REQUIRED_APPROVALS"] == "3"
    assert config["TRE_AIRLOCK_OIDC__ISSUER"] == "https://login.example.org/realms/tre"
    assert config["TRE_AIRLOCK_STORAGE__ENDPOINT"] == "s3.example.org"
    assert config["TRE_AIRLOCK_STORAGE__SECURE"] == "true"
    assert config["TRE_AIRLOCK_SIGNING__VAULT_URL"] == "https://vault.vault.svc:8200"
    assert json.loads(config["TRE_AIRLOCK_WORKSPACE_HUBS"]) == {
        "genomics": "http://hub.tre-genomics.svc:8081/hub/api"
    }
    service = one(manifests, "Service", "tre-airlock")
    assert service["spec"]["ports"][0]["port"] == 8080


def test_airlock_disruption_budget_is_optional() -> None:
    budget = one(render(SCENARIOS["full"]), "PodDisruptionBudget", "tre-airlock")
    assert budget["spec"]["minAvailable"] == 2
    assert not by_kind(render(SCENARIOS["single-replicas-no-budget"]), "PodDisruptionBudget")


def test_a_digest_pins_the_image() -> None:
    manifests = render(SCENARIOS["full"])
    image = one(manifests, "Deployment", "tre-operator")["spec"]["template"]["spec"]["containers"][
        0
    ]["image"]
    assert image == (
        "registry.example.org/tre/orchestrator@sha256:"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
    config = one(manifests, "ConfigMap", "tre-operator")["data"]
    assert config["TRE_OPERATOR_HUB_IMAGE"] == "quay.io/jupyterhub/k8s-hub:4.2.0"


def test_without_a_tag_the_image_is_the_chart_app_version() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    deployment = one(render(SCENARIOS["minimal"]), "Deployment", "tre-airlock")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"ghcr.io/tre-orchestrator/orchestrator:{chart['appVersion']}"


def test_extra_pod_labels_never_override_the_selector_labels() -> None:
    deployment = one(render(SCENARIOS["full"]), "Deployment", "tre-operator")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["team"] == "platform"
    assert labels["app.kubernetes.io/component"] == "operator"
    for key, value in deployment["spec"]["selector"]["matchLabels"].items():
        assert labels[key] == value


def test_one_folder_per_component_and_one_file_per_kind() -> None:
    result = template(SCENARIOS["full"])
    assert result.returncode == 0, result.stderr
    kinds_by_source: dict[str, set[str]] = {}
    for chunk in result.stdout.split("\n---\n"):
        source = next(
            (line.split(": ", 1)[1] for line in chunk.splitlines() if line.startswith("# Source:")),
            None,
        )
        doc = yaml.safe_load(chunk)
        if source and doc:
            kinds_by_source.setdefault(source, set()).add(doc["kind"])
    for source, kinds in kinds_by_source.items():
        parts = source.split("/")
        assert len(kinds) == 1, f"{source} renders {kinds}"
        (kind,) = kinds
        if parts[1] == "crds":
            continue
        assert parts[1] == "templates"
        assert parts[2] in {"operator", "airlock", "monitoring"}, source
        assert parts[3] == f"{kind.lower()}.yaml", source


def test_chart_app_version_is_the_package_version() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == orchestrator.__version__


def test_operator_is_told_where_project_enclaves_reach_shared_services() -> None:
    config = one(render(SCENARIOS["minimal"]), "ConfigMap", "tre-operator")["data"]
    assert config["TRE_OPERATOR_S3_URL"] == "https://s3.example.org"
    assert config["TRE_OPERATOR_S3_CIDR"] == "10.20.0.20/32"
    assert config["TRE_OPERATOR_VAULT_URL"] == "https://vault.example.org:8200"
    assert config["TRE_OPERATOR_VAULT_CIDR"] == "10.20.0.10/32"
    assert config["TRE_OPERATOR_KUBE_API_CIDR"] == "172.18.0.2/32"
    assert config["TRE_OPERATOR_AIRLOCK_URL"] == "http://tre-airlock.tre-system.svc:80"
    assert config["TRE_OPERATOR_AIRLOCK_PORT"] == "8000"
    assert config["TRE_OPERATOR_METRICS_HOST"] == "0.0.0.0"


def test_operator_reads_its_credentials_from_existing_secrets() -> None:
    deployment = one(render(SCENARIOS["full"]), "Deployment", "tre-operator")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in container["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert refs == {
        "TRE_OPERATOR_S3_ACCESS_KEY": {"name": "tre-operator-s3", "key": "accessKey"},
        "TRE_OPERATOR_S3_SECRET_KEY": {"name": "tre-operator-s3", "key": "secretKey"},
        "TRE_OPERATOR_VAULT_TOKEN": {"name": "tre-operator-vault", "key": "vault-token"},
    }


def test_operator_may_review_workspace_tokens_for_vault() -> None:
    binding = one(render(SCENARIOS["minimal"]), "ClusterRoleBinding", "tre-operator-auth-delegator")
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    assert binding["subjects"][0]["name"] == "tre-operator"


def test_airlock_roles_reach_the_service_in_its_own_vocabulary() -> None:
    config = one(render(SCENARIOS["full"]), "ConfigMap", "tre-airlock")["data"]
    assert json.loads(config["TRE_AIRLOCK_ROLES__OPERATORS"]) == ["otto"]
    assert json.loads(config["TRE_AIRLOCK_ROLES__PROJECTS"]) == {
        "genomics": {
            "researchers": ["alice", "ben"],
            "reviewers": ["rita", "ravi", "rosa"],
            "project_admins": ["rosa"],
        }
    }


def test_the_operator_admission_policy_is_the_generated_one_bound_to_its_account() -> None:
    manifests = render(SCENARIOS["minimal"])
    policy = one(manifests, "ValidatingAdmissionPolicy", "tre-operator")
    binding = one(manifests, "ValidatingAdmissionPolicyBinding", "tre-operator")
    expected = make_admission_policy(
        "tre-operator", "system:serviceaccount:tre-system:tre-operator"
    )
    assert policy["spec"] == expected[0]["spec"]
    assert binding["spec"] == {"policyName": "tre-operator", "validationActions": ["Deny"]}
