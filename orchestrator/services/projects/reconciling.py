"""Reconcile a ResearchProject: make Kubernetes, Vault and storage match its spec.

:func:`reconcile_project` is idempotent and quiet: every step compares before it writes,
so a second run over an unchanged project writes nothing. The three areas are handled
one after another and independently: Vault being down leaves the namespace and hub
reconciled, reports ``VaultReady=False`` (reason ``VaultUnavailable``) and asks the
caller to retry. An invalid spec, or one asking for more than the platform allows
(images from other registries, platform or other projects' buckets: see
:mod:`~orchestrator.domain.projects.admission`), is reported as phase ``Invalid`` with
the problems as the message; nothing is changed until the spec is fixed.

:func:`teardown_project` removes what the project owns: Vault logins, policy, role and
secret, the storage identities with every key, the buckets (per ``retention``) and the
namespace.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from orchestrator.domain.projects import naming
from orchestrator.domain.projects.admission import check_project_against_platform
from orchestrator.domain.projects.conditions import (
    CONDITION_TYPES,
    Condition,
    ConditionType,
    Phase,
    phase,
    suspension,
)
from orchestrator.domain.projects.desired import desired_objects
from orchestrator.domain.projects.enclave import Enclave
from orchestrator.domain.projects.manifests.access import OPERATOR_BINDING
from orchestrator.domain.projects.manifests.hub import make_hub_secret
from orchestrator.domain.projects.spec import InvalidProjectSpec, parse_project
from orchestrator.domain.projects.storage import make_project_storage_policy
from orchestrator.domain.projects.vault_policy import make_vault_policy, make_vault_role
from orchestrator.services.projects.ports import ProjectPorts
from orchestrator.services.projects.results import Change, ReconcileResult, TeardownResult
from orchestrator.services.projects.storage_sessions import revoke_storage_identities

log = logging.getLogger(__name__)
T = TypeVar("T")

NEVER_PRUNED = frozenset({"Namespace", "Secret", "PersistentVolumeClaim", "Pod"})
"""Kinds left alone when pruning: the namespace is the project itself, the Secret holds
the hub's token (not desired state), and volumes and pods are also made by the hub for
members, with the project's labels."""
SOLE_OWNER = frozenset({"NetworkPolicy"})
"""Kinds of which the controller makes every object in a project namespace: one it did
not make (an allow-all policy added by hand, labelled or not) is removed when pruning."""
KUBERNETES, VAULT, STORAGE = "kubernetes", "vault", "storage"
AREAS = frozenset({KUBERNETES, VAULT, STORAGE})
"""What a reconcile covers: the cluster objects, Vault, and object storage."""
ARCHIVE_BUCKET = "tre-archive"
"""Where archived projects' buckets are copied, under ``<bucket>/``."""


class _Unavailable(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class _Run:
    """One reconcile in progress: what it wrote and what it found, area by area."""

    ports: ProjectPorts
    project: str
    expected: bool = False
    """Changes follow from the spec (or suspension), so they are not drift."""
    written: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    unavailable: _Unavailable | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def wrote(self, done: bool, what: str) -> bool:
        """Record ``what`` as written if ``done``; return ``done``."""
        if done:
            self.written.append(what)
        return done

    @property
    def writes(self) -> int:
        return len(self.written)

    @contextmanager
    def area(self, name: str) -> Iterator[None]:
        """Time the area and turn its system's outage into ``_Unavailable``."""
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            for error, reason in self.ports.unavailable:
                if isinstance(exc, error):
                    raise _Unavailable(reason, str(exc)) from exc
            raise
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - started

    def guarded(self, condition: ConditionType, step: Callable[[], T]) -> T | None:
        """Run ``step``; on an outage record ``condition`` as False and remember it."""
        try:
            return step()
        except _Unavailable as exc:
            self.conditions.append(Condition(condition, "False", exc.reason, str(exc)))
            if self.unavailable is None:
                self.unavailable = exc
            return None


def _describe(manifest: Mapping[str, Any]) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def reconcile_project(
    name: str,
    spec: Mapping[str, Any],
    *,
    ports: ProjectPorts,
    now: datetime,
    previous_phase: str | None = None,
    spec_changed: bool = False,
    areas: frozenset[str] = AREAS,
) -> ReconcileResult:
    """Make everything ``name`` needs match ``spec``; report phase and conditions.

    ``previous_phase`` is the phase last recorded: suspension revokes logins and keys
    once, when a project enters it, rather than on every resync. ``spec_changed`` says
    the spec was edited since the last reconcile, so changed objects are reported as
    ``Updated`` rather than as drift undone. ``areas`` limits the run to some of
    :data:`AREAS` (a caller may run storage, whose identity API can be slow, on its own);
    the phase then only reflects the conditions of those areas.
    """
    try:
        parsed = parse_project(name, spec)
        check_project_against_platform(name, parsed, ports.platform)
    except InvalidProjectSpec as exc:
        message = "; ".join(exc.problems)
        return ReconcileResult(
            phase=Phase.INVALID,
            conditions=(),
            message=f"The spec cannot be applied; fix it and the project is reconciled again: {message}",
            changes=(Change("InvalidSpec", message, warning=True),),
        )
    why_suspended = suspension(parsed, now)
    enclave = Enclave(
        project=name, spec=parsed, platform=ports.platform, suspended=why_suspended is not None
    )
    entering = why_suspended is not None and previous_phase != Phase.SUSPENDED
    leaving = why_suspended is None and previous_phase == Phase.SUSPENDED
    run = _Run(ports=ports, project=name, expected=spec_changed or entering or leaving)
    hub_available = None
    if KUBERNETES in areas:
        hub_available = run.guarded(
            ConditionType.NAMESPACE_READY, lambda: _reconcile_cluster(run, enclave)
        )
    if VAULT in areas:
        run.guarded(
            ConditionType.VAULT_READY,
            lambda: _reconcile_vault(run, enclave, entering_suspension=entering),
        )
    if STORAGE in areas:
        run.guarded(
            ConditionType.STORAGE_READY,
            lambda: _reconcile_storage(run, enclave),
        )
    if hub_available is not None:
        run.conditions.append(_hub_condition(hub_available, why_suspended))
    if KUBERNETES in areas and entering and why_suspended is not None:
        run.changes.append(
            Change(
                "Suspended",
                f"Project suspended: {why_suspended}; user servers stopped, data kept.",
            )
        )
    elif KUBERNETES in areas and leaving:
        run.changes.append(Change("Resumed", "Project resumed."))
    conditions = sorted(run.conditions, key=lambda c: CONDITION_TYPES.index(c.type))
    return ReconcileResult(
        phase=phase(conditions, suspended=why_suspended is not None, invalid=False),
        conditions=tuple(conditions),
        message=f"Suspended: {why_suspended}." if why_suspended else "",
        suspended=why_suspended is not None,
        namespace=enclave.namespace,
        buckets=naming.project_buckets(name),
        written=tuple(run.written),
        changes=tuple(run.changes),
        unavailable=run.unavailable.reason if run.unavailable else None,
        unavailable_message=str(run.unavailable) if run.unavailable else "",
        timings=run.timings,
    )


def _hub_condition(available: int, why_suspended: str | None) -> Condition:
    hub = ConditionType.HUB_READY
    if why_suspended is not None:
        return Condition(
            hub,
            "False",
            "Suspended",
            f"The hub is scaled to zero and user servers are stopped: {why_suspended}.",
        )
    if available > 0:
        return Condition(hub, "True", "Available", "The hub is running.")
    return Condition(hub, "Unknown", "Starting", "Waiting for the hub to become available.")


def _changed(outcome: str | bool) -> bool:
    """Whether an adapter call wrote: applies say "created"/"updated"/"unchanged"."""
    return outcome not in ("unchanged", False)


def _reconcile_cluster(run: _Run, enclave: Enclave) -> int:
    """Apply every desired object, create the hub Secret once, prune what is no longer
    desired; return the hub's available replicas."""
    objects = run.ports.objects
    namespace = enclave.namespace
    with run.area(KUBERNETES):
        existed = objects.get("Namespace", namespace) is not None
        desired = desired_objects(
            enclave.spec, enclave.project, enclave.platform, suspended=enclave.suspended
        )
        restored = []
        for manifest in desired:
            outcome = objects.apply(manifest)
            if run.wrote(_changed(outcome), _describe(manifest)):
                restored.append(_describe(manifest))
            if outcome == "created" and _describe(manifest) == f"RoleBinding/{OPERATOR_BINDING}":
                # Our rights in the namespace come from this binding: wait until they hold.
                objects.wait_for_access(namespace)
        if objects.get("Secret", naming.HUB_SECRET, namespace) is None:
            run.wrote(
                _changed(objects.apply(make_hub_secret(enclave, secrets.token_hex(32)))),
                f"Secret/{naming.HUB_SECRET}",
            )
        pruned = _prune(run, enclave, desired)
        if enclave.suspended:
            _stop_pods(run, enclave)
        hub = objects.get("Deployment", naming.HUB_NAME, namespace) or {}
    if not existed:
        run.changes.append(Change("Created", f"Enclave created in namespace {namespace}."))
    elif restored or pruned:
        listed = ", ".join(restored + [f"{p} (removed)" for p in pruned])
        if run.expected:
            run.changes.append(Change("Updated", f"Applied the spec: {listed}."))
        else:
            run.changes.append(Change("DriftRestored", f"Restored to the desired state: {listed}."))
    run.conditions.append(
        Condition(ConditionType.NAMESPACE_READY, "True", "Applied", f"Namespace {namespace}.")
    )
    policies = sum(1 for m in desired if m["kind"] == "NetworkPolicy")
    run.conditions.append(
        Condition(
            ConditionType.NETWORK_ISOLATED,
            "True",
            "PoliciesApplied",
            f"{policies} NetworkPolicies enforced.",
        )
    )
    available: int = (hub.get("status") or {}).get("availableReplicas") or 0
    return available


def _stop_pods(run: _Run, enclave: Enclave) -> None:
    """Delete every pod of a suspended project: user servers (their volumes and data
    stay), and anything else started there; the quota lets no new one start."""
    for pod in run.ports.objects.list_names("Pod", enclave.namespace, ""):
        run.wrote(run.ports.objects.delete("Pod", pod, enclave.namespace), f"Pod/{pod} (stopped)")


def _prune(run: _Run, enclave: Enclave, desired: list[dict[str, Any]]) -> list[str]:
    wanted: dict[str, set[str]] = {}
    for manifest in desired:
        if manifest["kind"] not in NEVER_PRUNED:
            wanted.setdefault(manifest["kind"], set()).add(manifest["metadata"]["name"])
    selector = ",".join(f"{k}={v}" for k, v in naming.project_labels(enclave.project).items())
    pruned = []
    for kind, names in wanted.items():
        scope = "" if kind in SOLE_OWNER else selector
        for live in run.ports.objects.list_names(kind, enclave.namespace, scope):
            if live not in names and run.wrote(
                run.ports.objects.delete(kind, live, enclave.namespace),
                f"{kind}/{live} (pruned)",
            ):
                pruned.append(f"{kind}/{live}")
    return pruned


def _reconcile_vault(run: _Run, enclave: Enclave, *, entering_suspension: bool) -> None:
    vault = run.ports.vault
    project = enclave.project
    policy, role = naming.vault_policy_name(project), naming.vault_role_name(project)
    path = naming.vault_storage_secret_path(project)
    if enclave.suspended:
        # Once, on the way in: no role to log in with, no policy, no live tokens, no key.
        if entering_suspension:
            with run.area(VAULT):
                vault.remove_project(policy, role, path)
                run.wrote(True, "Vault role, policy, logins and secret (removed)")
        run.conditions.append(
            Condition(ConditionType.VAULT_READY, "False", "Suspended", "No logins while suspended.")
        )
        return
    body = make_vault_role(project, enclave.platform)
    with run.area(VAULT):
        hcl = make_vault_policy(project, enclave.platform)
        run.wrote(vault.ensure_policy(policy, hcl), f"Vault policy {policy}")
        wrote_role = vault.ensure_role(
            role,
            service_account=body["bound_service_account_names"][0],
            namespace=body["bound_service_account_namespaces"][0],
            policies=list(body["token_policies"]),
            ttl_seconds=int(body["token_ttl"]),
            audience=body.get("audience") or None,
            max_ttl_seconds=body.get("token_max_ttl") or None,
            no_default_policy=bool(body.get("token_no_default_policy")),
        )
        run.wrote(wrote_role, f"Vault role {role}")
    run.conditions.append(
        Condition(
            ConditionType.VAULT_READY, "True", "Configured", f"Policy and login role {policy}."
        )
    )


def _reconcile_storage(run: _Run, enclave: Enclave) -> None:
    """Buckets, and no storage identity anyone may no longer hold.

    Keys are issued per user server (:mod:`.storage_sessions`), so a new project needs
    no identity at all: only its buckets.
    """
    storage = run.ports.storage
    project = enclave.project
    buckets = list(naming.project_buckets(project))
    with run.area(STORAGE):
        for bucket in storage.ensure_buckets(buckets):
            run.wrote(True, f"bucket {bucket}")
        if enclave.suspended:
            revoked = revoke_storage_identities(project, None, ports=run.ports, policy=None)
        else:
            policy = make_project_storage_policy(project, enclave.spec, enclave.platform)
            revoked = revoke_storage_identities(
                project, enclave.spec, ports=run.ports, policy=policy
            )
    for what in revoked:
        run.wrote(True, f"storage identity {what} (revoked)")
    if enclave.suspended:
        run.conditions.append(
            Condition(
                ConditionType.STORAGE_READY,
                "False",
                "Suspended",
                "Storage keys revoked; data kept.",
            )
        )
        return
    run.conditions.append(
        Condition(
            ConditionType.STORAGE_READY,
            "True",
            "Provisioned",
            f"Buckets {', '.join(buckets)}; keys issued per user server.",
        )
    )


def teardown_project(name: str, spec: Mapping[str, Any], *, ports: ProjectPorts) -> TeardownResult:
    """Remove everything ``name`` owns; buckets are kept, archived or deleted per
    ``spec.retention`` (kept when the spec cannot be read: data is never lost by accident)."""
    retention = "keep"
    try:
        retention = parse_project(name, spec).retention
    except InvalidProjectSpec:
        log.warning("project %s: spec invalid at deletion, keeping its buckets", name)
    run = _Run(ports=ports, project=name)
    role, policy = naming.vault_role_name(name), naming.vault_policy_name(name)
    buckets = list(naming.project_buckets(name))
    try:
        with run.area(VAULT):
            ports.vault.remove_project(policy, role, naming.vault_storage_secret_path(name))
            run.wrote(True, "Vault role, policy, logins and secret")
        with run.area(STORAGE):
            revoke_storage_identities(name, None, ports=ports, policy=None)
            run.wrote(True, "storage identities")
            for bucket in ports.storage.retire_buckets(buckets, retention, ARCHIVE_BUCKET):
                run.wrote(True, f"bucket {bucket}")
        with run.area(KUBERNETES):
            run.wrote(ports.objects.delete("Namespace", naming.namespace_name(name)), "namespace")
    except _Unavailable as exc:
        return TeardownResult(
            writes=run.writes, unavailable=exc.reason, unavailable_message=str(exc)
        )
    retained = () if retention == "delete" else naming.project_buckets(name)
    return TeardownResult(writes=run.writes, retained=retained)
