"""The enclave's NetworkPolicies: deny everything, then allow only what the enclave needs.

One policy denies all ingress and egress for every pod in the namespace; one policy
per component (hub, proxy, user servers) then allows exactly its connections, each
with ``policyTypes: [Ingress, Egress]``. Addresses outside the cluster are the
platform's CIDRs; an empty CIDR means no rule at all, never ``0.0.0.0/0``.

DNS goes only to the cluster resolver in ``Platform.dns_namespace``; with
``network.dns: none`` no pod of the project may resolve names at all. The hub and proxy
do not need DNS: they find each other through the Services' environment variables
(``HUB_SERVICE_HOST``, ``PROXY_API_SERVICE_HOST``) and the API server through
``KUBERNETES_SERVICE_HOST``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.enclave import Enclave

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
AIRLOCK_POD_LABELS = {"app.kubernetes.io/component": "airlock"}
"""Labels of the airlock's pods (the chart's selector labels)."""

_HUB = {naming.COMPONENT_LABEL: naming.HUB_NAME}
_PROXY = {naming.COMPONENT_LABEL: naming.PROXY_NAME}
_SERVERS = {naming.COMPONENT_LABEL: naming.SINGLEUSER_COMPONENT}


def _pods(labels: dict[str, str]) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": dict(labels)}}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _cidr(cidr: str, port: int | None = None) -> list[dict[str, Any]]:
    """An egress rule to ``cidr`` (on ``port`` if given); none when the CIDR is unset."""
    if not cidr:
        return []
    rule: dict[str, Any] = {"to": [{"ipBlock": {"cidr": cidr}}]}
    if port is not None:
        rule["ports"] = _tcp(port)
    return [rule]


def _airlock(enclave: Enclave) -> dict[str, Any]:
    return {"to": [_airlock_peer(enclave)], "ports": _tcp(enclave.platform.airlock_port)}


def _airlock_peer(enclave: Enclave) -> dict[str, Any]:
    return {
        "namespaceSelector": {
            "matchLabels": {NAMESPACE_NAME_LABEL: enclave.platform.airlock_namespace}
        },
        "podSelector": {"matchLabels": dict(AIRLOCK_POD_LABELS)},
    }


def _dns(enclave: Enclave) -> list[dict[str, Any]]:
    if enclave.spec.network.dns == "none":
        return []
    platform = enclave.platform
    return [
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {NAMESPACE_NAME_LABEL: platform.dns_namespace}
                    },
                    "podSelector": {"matchLabels": dict(platform.dns_selector)},
                }
            ],
            "ports": [
                {"protocol": "UDP", "port": 53},
                {"protocol": "TCP", "port": 53},
            ],
        }
    ]


def _policy(
    enclave: Enclave,
    name: str,
    selector: dict[str, str],
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": enclave.metadata(name),
        "spec": {
            "podSelector": {"matchLabels": dict(selector)} if selector else {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def make_default_deny_policy(enclave: Enclave) -> dict[str, Any]:
    """Deny all ingress and egress for every pod in the namespace."""
    return _policy(enclave, "default-deny", {}, [], [])


def make_hub_policy(enclave: Enclave) -> dict[str, Any]:
    """The hub: reached by the proxy, user servers and the airlock; reaches its spawner's
    targets (user servers, the proxy API, the Kubernetes API), Vault and the airlock."""
    platform = enclave.platform
    ingress = [
        {
            "from": [_pods(_PROXY), _pods(_SERVERS), _airlock_peer(enclave)],
            "ports": _tcp(naming.HUB_PORT),
        }
    ]
    egress = [
        {"to": [_pods(_SERVERS)], "ports": _tcp(naming.SINGLEUSER_PORT)},
        {"to": [_pods(_PROXY)], "ports": _tcp(naming.PROXY_API_PORT)},
        *_cidr(platform.kube_api_cidr, platform.kube_api_port),
        *_cidr(platform.vault_cidr),
        _airlock(enclave),
        *_dns(enclave),
    ]
    return _policy(enclave, naming.HUB_NAME, _HUB, ingress, egress)


def make_proxy_policy(enclave: Enclave) -> dict[str, Any]:
    """The proxy: its public port open to users, its API to the hub only; it forwards to
    the hub, user servers and the airlock (a hub service behind the proxy)."""
    ingress = [
        {"ports": _tcp(naming.PROXY_PUBLIC_PORT)},
        {"from": [_pods(_HUB)], "ports": _tcp(naming.PROXY_API_PORT)},
    ]
    egress = [
        {"to": [_pods(_HUB)], "ports": _tcp(naming.HUB_PORT)},
        {"to": [_pods(_SERVERS)], "ports": _tcp(naming.SINGLEUSER_PORT)},
        _airlock(enclave),
        *_dns(enclave),
    ]
    return _policy(enclave, naming.PROXY_NAME, _PROXY, ingress, egress)


def make_singleuser_policy(enclave: Enclave) -> dict[str, Any]:
    """User servers: reached by the proxy and hub only; reach the hub API, Vault, object
    storage and the airlock, and nothing else (no internet, no other project)."""
    platform = enclave.platform
    ingress = [{"from": [_pods(_PROXY), _pods(_HUB)], "ports": _tcp(naming.SINGLEUSER_PORT)}]
    egress = [
        {"to": [_pods(_HUB)], "ports": _tcp(naming.HUB_PORT)},
        *_cidr(platform.vault_cidr),
        *_cidr(platform.s3_cidr),
        _airlock(enclave),
        *_dns(enclave),
    ]
    return _policy(enclave, "singleuser", _SERVERS, ingress, egress)


def make_network_policies(enclave: Enclave) -> list[dict[str, Any]]:
    """Every NetworkPolicy of the enclave, the default deny first."""
    return [
        make_default_deny_policy(enclave),
        make_hub_policy(enclave),
        make_proxy_policy(enclave),
        make_singleuser_policy(enclave),
    ]
