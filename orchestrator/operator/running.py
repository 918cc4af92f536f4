"""Start the project controller: adapters from the settings, kopf configured to be quiet.

kopf keeps its own bookkeeping (handler progress, the last handled spec) in annotations
of the ResearchProject, and only posts the Events the handlers ask for, so an idle
resync of an unchanged project makes no write at all. Replicas elect the one that acts
through the ClusterKopfPeering named in the settings, unless ``standalone``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import kopf

from orchestrator.adapters.kubernetes_connection import KubernetesConnection
from orchestrator.adapters.kubernetes_objects import KubernetesObjects
from orchestrator.adapters.vault_projects import VaultFailure, VaultProjects
from orchestrator.domain.projects.spec import API_GROUP, KIND
from orchestrator.operator.handlers import Controller, register
from orchestrator.operator.metrics import ControllerMetrics
from orchestrator.operator.ports import make_ports, make_vault
from orchestrator.operator.settings import OperatorSettings

log = logging.getLogger(__name__)


def peering_priority(operator: OperatorSettings) -> int:
    """The configured peering priority, or a random one so replicas never tie."""
    if operator.priority is not None:
        return operator.priority
    return secrets.randbelow(1_000_000) + 1


def kopf_settings(operator: OperatorSettings, *, standalone: bool) -> kopf.OperatorSettings:
    """kopf settings that keep an idle controller silent and its replicas peered."""
    settings = kopf.OperatorSettings()
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=API_GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=API_GROUP, key="last-handled-configuration"
    )
    settings.persistence.finalizer = f"{API_GROUP}/teardown"
    # Only the Events the handlers post on purpose, never one per handler run.
    settings.posting.level = logging.WARNING
    settings.peering.name = operator.peering
    settings.peering.clusterwide = True
    settings.peering.standalone = standalone
    # Without the peering object, pause rather than act alone next to other replicas.
    settings.peering.mandatory = not standalone
    settings.networking.request_timeout = 60
    settings.watching.server_timeout = 300
    return settings


VAULT_RECHECK_SECONDS = 600.0
VAULT_RETRY_SECONDS = 10.0


def prepare_vault(operator: OperatorSettings, vault: VaultProjects) -> None:
    """Mount KV v2 and the Kubernetes auth method, and point the latter at the cluster
    (with the controller's own token as the reviewer); writes only what differs."""
    vault.ensure_engines()
    ca = operator.vault_kubernetes_ca_file
    reviewer = operator.vault_reviewer_token_file
    vault.configure_kubernetes_auth(
        operator.vault_kubernetes_host,
        ca.read_text() if ca else "",
        reviewer.read_text().strip() if reviewer else "",
    )


async def keep_vault_prepared(operator: OperatorSettings, vault: VaultProjects) -> None:
    """:func:`prepare_vault` now and every few minutes (a rotated reviewer token, a
    restored Vault); every few seconds while Vault cannot be reached."""
    while True:
        try:
            await asyncio.to_thread(prepare_vault, operator, vault)
            delay = VAULT_RECHECK_SECONDS
        except VaultFailure as exc:
            log.warning("Vault is not ready for projects: %s; trying again shortly", exc)
            delay = VAULT_RETRY_SECONDS
        await asyncio.sleep(delay)


def build_registry(
    operator: OperatorSettings,
    connection: KubernetesConnection,
    controller: Controller,
    vault: VaultProjects,
) -> kopf.OperatorRegistry:
    """The handlers, the login with ``connection`` and the start-up configuration."""
    registry = kopf.OperatorRegistry()
    register(registry, controller)
    background: set[asyncio.Task[None]] = set()

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(**connection.login_fields())

    @kopf.on.startup(registry=registry)
    async def startup(**_: Any) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(
            ThreadPoolExecutor(max_workers=operator.workers, thread_name_prefix="reconcile")
        )
        controller.metrics.serve(operator.metrics_host, operator.metrics_port)
        try:  # before the first reconcile if Vault is there; in the background anyway
            await asyncio.wait_for(asyncio.to_thread(prepare_vault, operator, vault), 30)
        except (VaultFailure, TimeoutError) as exc:
            log.warning("Vault is not ready for projects yet: %s", exc)
        background.add(loop.create_task(keep_vault_prepared(operator, vault)))

    @kopf.on.cleanup(registry=registry)
    async def cleanup(**_: Any) -> None:
        for task in background:
            task.cancel()

    return registry


def configure_logging(operator: OperatorSettings, *, verbose: bool) -> None:
    """JSON or plain lines on stderr; kopf adds the object to each line about one."""
    log_format = kopf.LogFormat.JSON if operator.log_format == "json" else kopf.LogFormat.FULL
    kopf.configure(verbose=verbose, log_format=log_format, log_refkey="object")
    # One line per HTTP request would drown the controller's own messages.
    for noisy in ("httpx", "httpcore", "urllib3", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run_operator(
    operator: OperatorSettings,
    *,
    kubeconfig: Path | None = None,
    standalone: bool = False,
    verbose: bool = False,
) -> None:
    """Run the controller until SIGTERM or SIGINT; it exits after a graceful stop."""
    configure_logging(operator, verbose=verbose)
    connection = KubernetesConnection(kubeconfig)
    objects = KubernetesObjects(connection.api_client())
    vault = make_vault(operator)

    def write_status(project: str, status: Mapping[str, Any]) -> None:
        objects.patch_status(KIND, project, dict(status))

    controller = Controller(
        ports=make_ports(operator, objects, vault),
        metrics=ControllerMetrics(),
        resync_seconds=operator.resync_seconds,
        write_status=write_status,
        storage_threads=ThreadPoolExecutor(
            max_workers=operator.storage_workers, thread_name_prefix="storage"
        ),
    )
    priority = peering_priority(operator)
    registry = build_registry(operator, connection, controller, vault)
    health = (
        f"http://{operator.health_host}:{operator.health_port}/healthz"
        if operator.health_port
        else None
    )
    log.info(
        "project controller %s starting (peering %s, priority %d, resync every %.0f s)",
        operator.pod_name or "(unnamed)",
        "off" if standalone else operator.peering,
        priority,
        operator.resync_seconds,
    )
    kopf.run(
        registry=registry,
        settings=kopf_settings(operator, standalone=standalone),
        clusterwide=True,
        standalone=standalone,
        # Naming the peering makes kopf insist on it, so only when there is one.
        peering_name=None if standalone else operator.peering,
        priority=priority,
        # kopf's Identity is a NewType of str; the pod name names this replica among peers.
        identity=cast(Any, operator.pod_name) or None,
        liveness_endpoint=health,
    )
