"""The operator's cluster-wide permissions, derived from the objects it manages.

The ClusterRole rules are computed from the kinds
:func:`~orchestrator.domain.projects.desired.desired_objects` produces, plus what kopf
needs (its peering objects, CRDs to discover, events to post) and the hub Role's rights
(Kubernetes refuses to let anyone grant permissions they do not hold). Rendered to
``helm/tre-orchestrator/files/operator-clusterrole-rules.yaml`` by ``tre dev generate``,
so the permissions granted are exactly the ones the code uses. The kopf peering CRD the
operator's leader election relies on is rendered here too.

RBAC cannot say "only namespaces with this label", so a ValidatingAdmissionPolicy does
(:func:`admission_policy_spec`, rendered to ``files/operator-admission-policy.yaml`` and
bound to the operator's ServiceAccount by the chart): with the operator's own token,
the API server refuses to create, change or delete a namespace that is not labelled
``app.kubernetes.io/managed-by=tre-orchestrator`` (before and after the change, so no
namespace can be taken over by labelling it), to write any namespaced object the
operator manages outside such a namespace (a pod in ``kube-system`` running as one of
its controllers, say), and to create a ServiceAccount token Secret anywhere.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.desired import managed_kinds
from orchestrator.domain.projects.manifests.access import HUB_ROLE_RULES, MANAGE
from orchestrator.domain.projects.spec import API_GROUP, PLURAL

READ = ("get", "list", "watch")

PLURALS: dict[str, str] = {
    "ConfigMap": "configmaps",
    "Deployment": "deployments",
    "LimitRange": "limitranges",
    "Namespace": "namespaces",
    "NetworkPolicy": "networkpolicies",
    "PersistentVolumeClaim": "persistentvolumeclaims",
    "ResourceQuota": "resourcequotas",
    "Role": "roles",
    "RoleBinding": "rolebindings",
    "Secret": "secrets",
    "Service": "services",
    "ServiceAccount": "serviceaccounts",
}
"""Resource names of the kinds the controller manages (a new kind must be added here)."""

PEERING_GROUP = "kopf.dev"


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


WATCHED = ("NetworkPolicy", "Deployment")
"""Kinds the controller watches in every namespace (a project's policies and hub), so
it may read them cluster-wide."""
BIND = ("get", "create", "patch")
"""What the controller may do with RoleBindings anywhere: make its own in a new project
namespace (the chart limits what it may bind to the project ClusterRole)."""


def operator_rules() -> list[dict[str, Any]]:
    """The operator's ClusterRole rules, bound cluster-wide: its projects, namespaces (the
    admission policy keeps it to labelled ones), reads of the kinds it watches, its own
    RoleBinding in a new project namespace, events, and reads of pods (it watches user
    servers to give each its storage key). Nothing on Secrets, ServiceAccounts or Roles
    and no write on Pods: those come from :func:`project_rules`, bound in each project
    namespace only."""
    return [
        _rule(API_GROUP, [PLURAL], ("get", "list", "watch", "patch", "update")),
        _rule(API_GROUP, [f"{PLURAL}/status"], ("get", "patch", "update")),
        _rule(PEERING_GROUP, ["clusterkopfpeerings"], ("get", "list", "watch", "patch")),
        _rule("apiextensions.k8s.io", ["customresourcedefinitions"], READ),
        _rule("", [PLURALS["Namespace"]], MANAGE),
        *(
            _rule(_group(api_version), [PLURALS[kind]], READ)
            for api_version, kind in managed_kinds()
            if kind in WATCHED
        ),
        # User servers are KubeSpawner's pods, not the controller's: it watches them to
        # give each its storage key, so it reads (never writes) pods cluster-wide.
        _rule("", ["pods"], READ),
        _rule("rbac.authorization.k8s.io", [PLURALS["RoleBinding"]], BIND),
        {
            "apiGroups": ["", "events.k8s.io"],
            "resources": ["events"],
            "verbs": ["create", "patch"],
        },
    ]


def bind_rule(project_role: str) -> dict[str, Any]:
    """The one ClusterRole the operator may bind (in its RoleBinding per project
    namespace): the chart adds this rule, with its release's role name."""
    return {
        "apiGroups": ["rbac.authorization.k8s.io"],
        "resources": ["clusterroles"],
        "verbs": ["bind"],
        "resourceNames": [project_role],
    }


def project_rules() -> list[dict[str, Any]]:
    """The operator's rights inside a project namespace: every kind it manages there,
    plus the hub Role's rights (Kubernetes refuses to let anyone grant permissions they
    do not hold). One rule per (API group, verbs), resources sorted."""
    rules: list[dict[str, Any]] = []
    managed: dict[str, set[str]] = {}
    for api_version, kind in managed_kinds():
        if kind != "Namespace":
            managed.setdefault(_group(api_version), set()).add(PLURALS[kind])
    # The operator grants the hub's Role, so it must hold the same rights itself.
    granted: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    for hub_rule in HUB_ROLE_RULES:
        for group in hub_rule["apiGroups"]:
            verbs = tuple(hub_rule["verbs"])
            if verbs == MANAGE:
                managed.setdefault(group, set()).update(hub_rule["resources"])
            else:
                granted.setdefault((group, verbs), set()).update(hub_rule["resources"])
    for group in sorted(managed, key=lambda g: (g != "", g)):
        rules.append(_rule(group, sorted(managed[group]), MANAGE))
    for (group, verbs), resources in sorted(granted.items()):
        rules.append(_rule(group, sorted(resources), verbs))
    return rules


def _rule(group: str, resources: list[str], verbs: tuple[str, ...]) -> dict[str, Any]:
    return {"apiGroups": [group], "resources": list(resources), "verbs": list(verbs)}


WRITES = ("CREATE", "UPDATE", "DELETE")
TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token"


def _managed(subject: str) -> str:
    """CEL: ``subject`` (an object or null) carries the controller's managed-by label."""
    label = naming.MANAGED_BY_LABEL
    return (
        f"{subject} != null && has({subject}.metadata.labels) && "
        f"'{label}' in {subject}.metadata.labels && "
        f"{subject}.metadata.labels['{label}'] == '{naming.MANAGED_BY}'"
    )


def _written_resources() -> list[dict[str, Any]]:
    """What the operator may write in namespaces (every rule of :func:`project_rules` with
    ``create``) and namespaces themselves, as admission resource rules."""
    rules = []
    for rule in [_rule("", [PLURALS["Namespace"]], MANAGE), *project_rules()]:
        if "create" not in rule["verbs"]:
            continue
        group = rule["apiGroups"][0]
        rules.append(
            {
                "apiGroups": [group],
                "apiVersions": ["v1"],
                "operations": list(WRITES),
                "resources": list(rule["resources"]),
            }
        )
    return rules


def admission_policy_spec() -> dict[str, Any]:
    """The ValidatingAdmissionPolicy's spec, without the ``matchConditions`` that pick the
    operator's requests (the chart names its ServiceAccount there)."""
    label = f"{naming.MANAGED_BY_LABEL}={naming.MANAGED_BY}"
    return {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": _written_resources()},
        "variables": [
            {"name": "isNamespace", "expression": "request.resource.resource == 'namespaces'"},
            {"name": "oldManaged", "expression": _managed("oldObject")},
            {"name": "newManaged", "expression": _managed("object")},
            {"name": "inManagedNamespace", "expression": _managed("namespaceObject")},
        ],
        "validations": [
            {
                "expression": "!variables.isNamespace || "
                "((request.operation == 'CREATE' || variables.oldManaged) && "
                "(request.operation == 'DELETE' || variables.newManaged))",
                "message": f"the operator may only create, change or delete namespaces "
                f"labelled {label}",
                "reason": "Forbidden",
            },
            {
                "expression": "variables.isNamespace || variables.inManagedNamespace",
                "message": f"the operator may only write objects in namespaces labelled {label}",
                "reason": "Forbidden",
            },
            {
                "expression": "request.resource.resource != 'secrets' || object == null || "
                f"!has(object.type) || object.type != '{TOKEN_SECRET_TYPE}'",
                "message": "the operator may not create ServiceAccount token Secrets",
                "reason": "Forbidden",
            },
        ],
    }


def service_account_user(namespace: str, name: str) -> str:
    """The user name a ServiceAccount's tokens authenticate as."""
    return f"system:serviceaccount:{namespace}:{name}"


def make_admission_policy(name: str, user: str) -> list[dict[str, Any]]:
    """The policy limiting ``user`` (the operator's ServiceAccount) and its binding, as the
    chart renders them."""
    return [
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": name},
            "spec": {
                "matchConditions": [
                    {
                        "name": "the-operator",
                        "expression": f"request.userInfo.username == '{user}'",
                    }
                ],
                **admission_policy_spec(),
            },
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name},
            "spec": {"policyName": name, "validationActions": ["Deny"]},
        },
    ]


class _NoAliases(yaml.SafeDumper):
    """Writes repeated lists out in full: the file is read by people and by Helm."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_NoAliases, sort_keys=False, default_flow_style=False)


def render_operator_rules() -> str:
    """``files/operator-clusterrole-rules.yaml``."""
    return (
        "# Generated by `tre dev generate` from orchestrator/domain/operator_access.py.\n"
        "# The operator's ClusterRole rules; the chart includes this file verbatim.\n"
        + _dump(operator_rules())
    )


def render_project_rules() -> str:
    """``files/operator-project-rules.yaml``."""
    return (
        "# Generated by `tre dev generate` from orchestrator/domain/operator_access.py.\n"
        "# The operator's rights inside a project namespace (a ClusterRole it binds there\n"
        "# with a RoleBinding); the chart includes this file verbatim.\n" + _dump(project_rules())
    )


def render_admission_policy() -> str:
    """``files/operator-admission-policy.yaml``."""
    return (
        "# Generated by `tre dev generate` from orchestrator/domain/operator_access.py.\n"
        "# The spec of the operator's ValidatingAdmissionPolicy; the chart adds the\n"
        "# matchConditions naming its ServiceAccount.\n" + _dump(admission_policy_spec())
    )


def peering_crd() -> dict[str, Any]:
    """The CRD of kopf's cluster-wide peering objects (leader election between replicas)."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"clusterkopfpeerings.{PEERING_GROUP}"},
        "spec": {
            "group": PEERING_GROUP,
            "scope": "Cluster",
            "names": {
                "kind": "ClusterKopfPeering",
                "plural": "clusterkopfpeerings",
                "singular": "clusterkopfpeering",
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "status": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                }
                            },
                        }
                    },
                }
            ],
        },
    }


def render_peering_crd() -> str:
    """``crds/kopf-peerings.yaml``."""
    return (
        "# Generated by `tre dev generate` from orchestrator/domain/operator_access.py.\n"
        + _dump(peering_crd())
    )
