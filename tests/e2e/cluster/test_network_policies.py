"""The project's NetworkPolicies, enforced on a real node: packets refused, not objects stored.

A project's namespace and NetworkPolicies come from ``desired_objects`` and are applied
as the controller applies them. Listeners the test owns run in pods: the project's hub,
the airlock (another namespace), object storage (another namespace, allowed by CIDR), a
bystander in an unprotected namespace and a second project's hub. A pod labelled as a
workspace then tries each one. Each refusal is shown to come from a policy: with the
policy deleted, the same connection from the same kind of pod succeeds.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import pytest

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.desired import desired_objects
from orchestrator.domain.projects.platform import Platform
from orchestrator.domain.projects.spec import parse_project
from tests.harness.node import RealNode

LISTEN_PORT = 8080
WORKSPACE = {naming.COMPONENT_LABEL: naming.SINGLEUSER_COMPONENT}
HUB = {naming.COMPONENT_LABEL: naming.HUB_NAME}
AIRLOCK = {"app.kubernetes.io/component": "airlock"}


def listener_script(port: int) -> str:
    """Answer every connection on ``port`` with ``hello`` (busybox nc serves one at a time)."""
    return f"while true; do echo hello | nc -l -p {port}; done"


def probe_script(targets: dict[str, tuple[str, int]]) -> str:
    """Print ``NAME open`` or ``NAME closed`` for each target: open when ``hello`` came back
    on one of three tries. It first waits out kube-router's sync, so the pod's firewall is
    in place before the first packet."""
    lines = ["sleep 8"]
    for name, (ip, port) in targets.items():
        lines.append(
            f"r=closed; for i in 1 2 3; do "
            f"if echo x | nc -w 2 {ip} {port} 2>/dev/null | grep -q hello; then r=open; break; fi; "
            f"sleep 1; done; echo {name} $r"
        )
    return "\n".join(lines)


def parse(output: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in output.splitlines() if line.strip())


@dataclass
class Layout:
    node: RealNode
    project_ns: str
    second_ns: str
    targets: dict[str, tuple[str, int]]
    policies: dict[str, list[dict[str, Any]]]

    def probe_from_workspace(self, namespace: str, targets: list[str]) -> dict[str, str]:
        name = f"probe-{secrets.token_hex(3)}"
        script = probe_script({t: self.targets[t] for t in targets})
        return parse(self.node.run(namespace, name, script, labels=WORKSPACE))

    def delete_policies(self, namespace: str) -> None:
        with self.node.kube.http() as client:
            for policy in self.policies[namespace]:
                response = client.delete(
                    f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/"
                    f"{policy['metadata']['name']}"
                )
                assert response.status_code == 200, response.text


def project_objects(project: str, platform: Platform) -> list[dict[str, Any]]:
    spec = parse_project(
        project,
        {
            "displayName": f"Project {project}",
            "tier": 2,
            "computeProfiles": [{"name": "s", "displayName": "S", "cpu": "1", "memory": "1Gi"}],
            "storageQuota": "1Gi",
            "images": ["example/image:1"],
        },
    )
    objects = desired_objects(spec, project, platform, suspended=False)
    return [o for o in objects if o["kind"] in ("Namespace", "NetworkPolicy")]


def apply_project(
    node: RealNode, objects: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """Create the namespace and its NetworkPolicies, the namespace first (as the controller)."""
    namespace = objects[0]
    policies = objects[1:]
    name = namespace["metadata"]["name"]
    with node.kube.http() as client:
        response = client.post("/api/v1/namespaces", json=namespace)
        assert response.status_code == 201, response.text
        for policy in policies:
            response = client.post(
                f"/apis/networking.k8s.io/v1/namespaces/{name}/networkpolicies", json=policy
            )
            assert response.status_code == 201, response.text
        deadline = time.monotonic() + 30
        while client.get(f"/api/v1/namespaces/{name}/serviceaccounts/default").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    return name, policies


def start_listener(
    node: RealNode, namespace: str, name: str, labels: dict[str, str], port: int
) -> str:
    node.create(node.test_pod(namespace, name, listener_script(port), labels, restart="Always"))
    node.wait_phase(namespace, name, {"Running"})
    return node.pod_ip(namespace, name)


@pytest.fixture(scope="module")
def layout(real_node: RealNode) -> Layout:
    airlock_ns = real_node.namespace("airlock")
    storage_ns = real_node.namespace("storage")
    bystander_ns = real_node.namespace("bystander")
    airlock_ip = start_listener(real_node, airlock_ns, "airlock", AIRLOCK, LISTEN_PORT)
    storage_ip = start_listener(real_node, storage_ns, "storage", {}, LISTEN_PORT)
    bystander_ip = start_listener(real_node, bystander_ns, "bystander", {}, LISTEN_PORT)
    platform = Platform(
        s3_url=f"http://{storage_ip}:{LISTEN_PORT}",
        s3_cidr=f"{storage_ip}/32",
        vault_url="",
        vault_cidr="",
        kube_api_cidr="",
        kube_api_port=443,
        airlock_namespace=airlock_ns,
        airlock_port=LISTEN_PORT,
        airlock_url=f"http://{airlock_ip}:{LISTEN_PORT}",
        hub_image="registry.invalid/hub:1",  # no hub Deployment is applied here
        proxy_image="registry.invalid/proxy:1",
    )
    run = secrets.token_hex(3)
    project_ns, project_policies = apply_project(
        real_node, project_objects(f"np-a-{run}", platform)
    )
    second_ns, second_policies = apply_project(real_node, project_objects(f"np-b-{run}", platform))
    hub_ip = start_listener(real_node, project_ns, "hub", HUB, naming.HUB_PORT)
    second_hub_ip = start_listener(real_node, second_ns, "hub", HUB, naming.HUB_PORT)
    return Layout(
        node=real_node,
        project_ns=project_ns,
        second_ns=second_ns,
        targets={
            "hub": (hub_ip, naming.HUB_PORT),
            "airlock": (airlock_ip, LISTEN_PORT),
            "storage": (storage_ip, LISTEN_PORT),
            "bystander": (bystander_ip, LISTEN_PORT),
            "second-hub": (second_hub_ip, naming.HUB_PORT),
        },
        policies={project_ns: project_policies, second_ns: second_policies},
    )


def test_a_workspace_reaches_only_its_hub_the_airlock_and_storage(layout: Layout) -> None:
    seen = layout.probe_from_workspace(layout.project_ns, list(layout.targets))
    assert seen == {
        "hub": "open",
        "airlock": "open",
        "storage": "open",
        "bystander": "closed",
        "second-hub": "closed",
    }


def test_an_unprotected_pod_reaches_every_listener(layout: Layout, real_node: RealNode) -> None:
    """The control: every listener answers a pod no policy selects, except the project
    hubs, which admit only their own project's pods."""
    namespace = real_node.namespace("outsider")
    seen = layout.probe_from_workspace(namespace, list(layout.targets))
    assert seen == {
        "hub": "closed",
        "airlock": "open",
        "storage": "open",
        "bystander": "open",
        "second-hub": "closed",
    }


def test_workspace_has_no_route_out_and_outside_names_do_not_resolve(
    layout: Layout, real_node: RealNode
) -> None:
    """No packet leaves: ``ip route get`` only looks the route up, and the DNS queries go
    to the cluster resolver on the node, which answers for the cluster zone only."""
    routes = real_node.run(
        layout.project_ns,
        "routes",
        "for a in 192.0.2.10 169.254.169.254 8.8.8.8; do ip route get $a 2>&1; done",
        labels=WORKSPACE,
    )
    assert routes.count("Network unreachable") + routes.count("Network is unreachable") == 3, routes
    namespace = real_node.namespace("resolver")
    resolver = real_node.address
    answers = real_node.run(
        namespace,
        "dns",
        f"nslookup kubernetes.default.svc.cluster.local {resolver} 2>&1; echo ---; "
        f"nslookup example.com {resolver} 2>&1; echo ---; nslookup pypi.org {resolver} 2>&1",
    )
    inside, example, pypi = answers.split("---")
    assert "Address: 10.0.0.1" in inside, answers
    assert "REFUSED" in example, answers
    assert "REFUSED" in pypi, answers


def test_deleting_the_projects_policies_opens_the_refused_connections(layout: Layout) -> None:
    """Run last in this module: without the first project's policies, its workspace reaches
    the bystander; the second project's hub still refuses it (its own ingress policy) until
    that project's policies go too."""
    layout.delete_policies(layout.project_ns)
    seen = layout.probe_from_workspace(layout.project_ns, ["bystander", "second-hub"])
    assert seen == {"bystander": "open", "second-hub": "closed"}
    layout.delete_policies(layout.second_ns)
    seen = layout.probe_from_workspace(layout.project_ns, ["bystander", "second-hub"])
    assert seen == {"bystander": "open", "second-hub": "open"}
