"""kopf handlers: every ResearchProject is kept an isolated, working enclave.

The handlers only translate. They load nothing themselves: each calls one use case of
:mod:`orchestrator.services.projects` in a worker thread, stores the status it stands
for (only when it changed, so an idle resync writes nothing), posts significant
changes as Events, and turns an unreachable dependency into ``TemporaryError`` with a
growing delay. An invalid spec is reported on the status, never raised: retrying
cannot fix it, and the next edit of the spec triggers a new reconcile anyway.

Triggers: creation, spec or label changes, operator start (resume), a timer every
``resync_seconds`` that undoes drift and applies expiry, a watch on the NetworkPolicies
in project namespaces, so one deleted or edited by hand is restored, and one the
controller did not make removed, at once rather than at the next resync, and a watch
on project Namespaces, so a label changed by hand (Pod Security) is restored at once.

A watch on user servers' pods gives each server its personal storage key when it
appears (:func:`~orchestrator.services.projects.storage_sessions.start_storage_session`)
and revokes the key when it goes. A pod is taken for a project's server only in that
project's namespace, with the member named by KubeSpawner's username annotation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

import kopf

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.conditions import ConditionType, Phase
from orchestrator.domain.projects.manifests.storage_session import ServerPod
from orchestrator.domain.projects.spec import API_GROUP, API_VERSION, PLURAL, InvalidProjectSpec
from orchestrator.domain.projects.storage import StorageKeyRefused
from orchestrator.operator.metrics import ControllerMetrics
from orchestrator.services.projects.ports import ProjectPorts
from orchestrator.services.projects.reconciling import (
    KUBERNETES,
    STORAGE,
    VAULT,
    reconcile_project,
    teardown_project,
)
from orchestrator.services.projects.results import ReconcileResult
from orchestrator.services.projects.status import project_status, status_patch
from orchestrator.services.projects.storage_sessions import (
    end_storage_session,
    start_storage_session,
)

log = logging.getLogger(__name__)

RESOURCE = (API_GROUP, API_VERSION, PLURAL)
USERNAME_ANNOTATION = "hub.jupyter.org/username"
"""Where KubeSpawner names the user a server belongs to."""
BACKOFF_SECONDS = (2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
"""Delays before retrying a project whose dependency was unavailable, by attempt."""


CORE_AREAS = frozenset({KUBERNETES, VAULT})
STORAGE_AREAS = frozenset({STORAGE})


def _storage_ready(status: Mapping[str, Any]) -> bool:
    return any(
        c.get("type") == ConditionType.STORAGE_READY and c.get("status") == "True"
        for c in status.get("conditions") or ()
    )


def _combine(core: ReconcileResult, storage: ReconcileResult) -> ReconcileResult:
    """One result for both passes over a project."""
    return replace(
        core,
        conditions=(*core.conditions, *storage.conditions),
        written=(*core.written, *storage.written),
        changes=(*core.changes, *storage.changes),
        unavailable=core.unavailable or storage.unavailable,
        unavailable_message=core.unavailable_message or storage.unavailable_message,
        timings={**core.timings, **storage.timings},
    )


def backoff(retry: int) -> float:
    """The delay before retry number ``retry`` (0-based) of an unavailable dependency."""
    return BACKOFF_SECONDS[min(retry, len(BACKOFF_SECONDS) - 1)]


@dataclass
class Controller:
    """What the handlers share: the use cases' ports, metrics and one lock per project."""

    ports: ProjectPorts
    metrics: ControllerMetrics
    resync_seconds: float
    write_status: Callable[[str, Mapping[str, Any]], None]
    """Merge-patches a project's status outside kopf's own handling of the project (for
    reconciles that watches of its objects trigger)."""
    storage_threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="storage")
    )
    """Where storage reconciles run, apart from the shared threads."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _storage_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _known: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    """The status this controller last stored per project while passes overlap (a hub
    becoming available while storage is still being made), so they build on each other's."""
    _in_flight: dict[str, int] = field(default_factory=dict)

    def lock(self, project: str) -> asyncio.Lock:
        """Serialises the handlers of one project (a timer and an update may overlap)."""
        return self._locks.setdefault(project, asyncio.Lock())

    async def reconcile(
        self,
        *,
        name: str,
        spec: Mapping[str, Any],
        status: Mapping[str, Any],
        body: kopf.Body,
        generation: int | None,
        patch: kopf.Patch,
        retry: int,
        logger: logging.Logger | logging.LoggerAdapter[Any] = log,
    ) -> None:
        """Bring ``name`` to its desired state and record the outcome on its status.

        The cluster and Vault come first, on the shared worker threads; storage after, on
        its own few threads, because some stores apply identity changes slowly and one at
        a time. When storage would keep the status waiting, what is known already is
        stored first, so a project's namespace and hub show Ready while its storage
        identity is still being made.
        """
        previous = status.get("phase")
        common: dict[str, Any] = {
            "now": self.clock(),
            "previous_phase": previous,
            "spec_changed": generation != status.get("observedGeneration"),
        }
        self._in_flight[name] = self._in_flight.get(name, 0) + 1
        try:
            await self._reconcile(
                name, spec, status, body, generation, patch, retry, logger, common
            )
        finally:
            self._in_flight[name] -= 1
            if not self._in_flight[name]:
                # Nothing overlaps any more: the next pass starts from what kopf shows.
                del self._in_flight[name]
                self._known.pop(name, None)

    async def _reconcile(
        self,
        name: str,
        spec: Mapping[str, Any],
        status: Mapping[str, Any],
        body: kopf.Body,
        generation: int | None,
        patch: kopf.Patch,
        retry: int,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        common: dict[str, Any],
    ) -> None:
        previous = common["previous_phase"]
        started = time.monotonic()
        async with self.lock(name):
            core = await self._run(name, spec, areas=CORE_AREAS, **common)
            if core.phase != Phase.INVALID:
                base = self._known.get(name, status)
                interim = project_status(core, base, generation=generation, now=self.clock())
                early = status_patch(base, interim)
                if early and not _storage_ready(base):
                    await asyncio.to_thread(self.write_status, name, early)
                    self._known[name] = {**base, **early}
        result = core
        storage_lock = self._storage_locks.setdefault(name, asyncio.Lock())
        # A storage pass already running for this project reports for itself; the cluster
        # side (a hub that became available, a restored policy) need not wait for it.
        if core.phase != Phase.INVALID and not storage_lock.locked():
            async with storage_lock:
                storage = await self._run(name, spec, areas=STORAGE_AREAS, storage=True, **common)
            result = _combine(core, storage)
        self.metrics.reconcile_duration.observe(time.monotonic() - started)
        status = self._known.get(name, status)
        desired = project_status(result, status, generation=generation, now=self.clock())
        changed = status_patch(status, desired)
        if changed:
            patch.setdefault("status", {}).update(changed)
        self._known[name] = {**status, **desired}
        writes = result.writes + (1 if changed else 0)
        if writes:
            self.metrics.reconcile_writes.inc(writes)
            wrote = [*result.written, *(["status"] if changed else [])]
            logger.info("project %s (%s): wrote %s", name, desired["phase"], ", ".join(wrote))
        self.metrics.set_phase(name, desired["phase"])
        self._post_changes(body, result, previous_phase=previous)
        if result.unavailable:
            self.metrics.reconcile_errors.labels(kind=result.unavailable).inc()
            raise kopf.TemporaryError(
                f"{result.unavailable}: {result.unavailable_message}", delay=backoff(retry)
            )

    async def _run(
        self, name: str, spec: Mapping[str, Any], *, storage: bool = False, **options: Any
    ) -> ReconcileResult:
        call = partial(reconcile_project, name, dict(spec), ports=self.ports, **options)
        try:
            if storage:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self.storage_threads, call)
            else:
                result = await asyncio.to_thread(call)
        except Exception:
            # A refusal (RBAC, validation) or a bug: kopf retries it with its own backoff.
            self.metrics.reconcile_errors.labels(kind="Unexpected").inc()
            raise
        for area, seconds in result.timings.items():
            self.metrics.area_duration.labels(area=area).observe(seconds)
        return result

    async def reconcile_watched(self, project: str, projects: kopf.Index[str, kopf.Body]) -> None:
        """Reconcile ``project`` because one of its objects changed, then store its status."""
        for body in projects.get(project, ()):
            if body.meta.get("deletionTimestamp"):
                return
            patch = kopf.Patch()
            try:
                await self.reconcile(
                    name=project,
                    spec=body.spec,
                    status=body.status,
                    body=body,
                    generation=body.meta.get("generation"),
                    patch=patch,
                    retry=0,
                )
            except kopf.TemporaryError:
                return  # the project's own handlers retry with backoff
            if patch.get("status"):
                await asyncio.to_thread(self.write_status, project, patch["status"])

    def _post_changes(
        self, body: kopf.Body, result: ReconcileResult, previous_phase: str | None
    ) -> None:
        for change in result.changes:
            # An invalid spec is announced once, when the project becomes Invalid.
            if change.reason == "InvalidSpec" and previous_phase == "Invalid":
                continue
            kopf.event(
                body,
                type="Warning" if change.warning else "Normal",
                reason=change.reason,
                message=change.message,
            )

    async def server_changed(
        self,
        event: str | None,
        body: kopf.Body,
        projects: kopf.Index[str, kopf.Body],
        logger: logging.Logger | logging.LoggerAdapter[Any] = log,
    ) -> None:
        """Issue the storage key of a user server that appeared, revoke that of one gone."""
        meta = body.meta
        project = meta.labels.get(naming.PROJECT_LABEL)
        member = meta.annotations.get(USERNAME_ANNOTATION)
        name, uid = meta.name, meta.uid
        if not project or meta.namespace != naming.namespace_name(project) or not member:
            return  # not a project's user server as KubeSpawner makes them
        if name is None or uid is None or not name.startswith(naming.SERVER_POD_PREFIX):
            return
        pod = ServerPod(project=project, name=name, uid=uid, member=member)
        try:
            if event == "DELETED" or meta.get("deletionTimestamp"):
                await asyncio.to_thread(end_storage_session, pod, ports=self.ports)
                return
            for project_body in projects.get(project, ()):
                if project_body.meta.get("deletionTimestamp"):
                    return
                await asyncio.to_thread(
                    partial(
                        start_storage_session,
                        pod,
                        dict(project_body.spec),
                        ports=self.ports,
                        now=self.clock(),
                    )
                )
        except (StorageKeyRefused, InvalidProjectSpec) as exc:
            logger.warning("server %s of project %s gets no storage key: %s", name, project, exc)
        except Exception as exc:
            for error, reason in self.ports.unavailable:
                if isinstance(exc, error):
                    # The next event of the pod (it changes while it starts) tries again.
                    logger.warning("storage key of server %s: %s: %s", name, reason, exc)
                    return
            raise

    async def teardown(self, *, name: str, spec: Mapping[str, Any], retry: int) -> None:
        """Remove everything ``name`` owns; retried until every dependency answered."""
        async with self.lock(name):
            result = await asyncio.to_thread(teardown_project, name, dict(spec), ports=self.ports)
        if result.writes:
            self.metrics.reconcile_writes.inc(result.writes)
        if result.unavailable:
            self.metrics.reconcile_errors.labels(kind=result.unavailable).inc()
            raise kopf.TemporaryError(
                f"{result.unavailable}: {result.unavailable_message}", delay=backoff(retry)
            )
        self.metrics.set_phase(name, None)
        for table in (self._locks, self._storage_locks, self._known):
            table.pop(name, None)


def register(registry: kopf.OperatorRegistry, controller: Controller) -> None:
    """Register the controller's handlers in ``registry``."""

    @kopf.on.resume(*RESOURCE, registry=registry, id="reconcile")
    @kopf.on.create(*RESOURCE, registry=registry, id="reconcile")
    @kopf.on.update(*RESOURCE, registry=registry, id="reconcile", field="spec")
    @kopf.timer(
        *RESOURCE,
        registry=registry,
        id="resync",
        interval=controller.resync_seconds,
        initial_delay=controller.resync_seconds,
    )
    async def reconcile(
        name: str,
        spec: kopf.Spec,
        status: kopf.Status,
        body: kopf.Body,
        meta: kopf.Meta,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        **kwargs: Any,
    ) -> None:
        await controller.reconcile(
            name=name,
            spec=spec,
            status=status,
            body=body,
            generation=meta.get("generation"),
            patch=patch,
            retry=kwargs.get("retry", 0),
            logger=logger,
        )

    @kopf.on.delete(*RESOURCE, registry=registry)
    async def teardown(name: str, spec: kopf.Spec, **kwargs: Any) -> None:
        await controller.teardown(name=name, spec=spec, retry=kwargs.get("retry", 0))

    @kopf.index(*RESOURCE, registry=registry, id="projects")
    def projects(name: str, body: kopf.Body, **_: Any) -> dict[str, kopf.Body]:
        return {name: body}

    # Both watches find the project by the namespace's name, not by labels an edit may
    # have removed along with the change it makes.
    @kopf.on.event("v1", "namespaces", registry=registry)
    async def namespace_changed(type: str, name: str, meta: kopf.Meta, **kwargs: Any) -> None:
        # Labels changed by hand (Pod Security, the tier) are undone at once: a pod admitted
        # in the window until the next resync would keep running.
        project = naming.project_of_namespace(name)
        projects: kopf.Index[str, kopf.Body] = kwargs["projects"]
        if (
            type == "MODIFIED"
            and project is not None
            and project in projects
            and not meta.get("deletionTimestamp")
        ):
            await controller.reconcile_watched(project, projects)

    @kopf.on.event("networking.k8s.io", "v1", "networkpolicies", registry=registry)
    async def policy_changed(
        type: str,
        namespace: str | None,
        labels: kopf.Labels,
        **kwargs: Any,
    ) -> None:
        # Every policy in a project's namespace: the controller's own, deleted or edited by
        # hand, are restored at once, and any other one is removed. The controller's own
        # creations (ADDED with its label, and the initial listing, which has no type)
        # need nothing.
        project = naming.project_of_namespace(namespace or "")
        projects: kopf.Index[str, kopf.Body] = kwargs["projects"]
        if project is None or project not in projects:
            return
        ours = labels.get(naming.MANAGED_BY_LABEL) == naming.MANAGED_BY
        if type in {"DELETED", "MODIFIED"} or (type == "ADDED" and not ours):
            await controller.reconcile_watched(project, projects)

    @kopf.on.event(
        "",
        "v1",
        "pods",
        registry=registry,
        labels={
            naming.COMPONENT_LABEL: naming.SINGLEUSER_COMPONENT,
            naming.PROJECT_LABEL: kopf.PRESENT,
        },
    )
    async def server_changed(
        type: str,
        body: kopf.Body,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        **kwargs: Any,
    ) -> None:
        await controller.server_changed(type, body, kwargs["projects"], logger)

    @kopf.on.event(
        "apps",
        "v1",
        "deployments",
        registry=registry,
        labels={
            naming.MANAGED_BY_LABEL: naming.MANAGED_BY,
            naming.COMPONENT_LABEL: naming.HUB_NAME,
        },
    )
    async def hub_changed(
        type: str, labels: kopf.Labels, status: kopf.Status, **kwargs: Any
    ) -> None:
        # The hub's availability is a condition of the project: report it when it changes
        # rather than at the next resync.
        project = labels.get(naming.PROJECT_LABEL)
        projects: kopf.Index[str, kopf.Body] = kwargs["projects"]
        if type != "MODIFIED" or project is None:
            return
        available = (status.get("availableReplicas") or 0) > 0
        for body in projects.get(project, ()):
            conditions = body.status.get("conditions") or []
            reported = any(
                c.get("type") == "HubReady" and c.get("status") == "True" for c in conditions
            )
            if available != reported:
                await controller.reconcile_watched(project, projects)
