"""Project roles read from the ResearchProjects in the Kubernetes API, kept current by a watch.

:class:`ProjectMembers` lists every ResearchProject once, then watches them and updates
a local cache on each event, so a member added to or removed from a project gains or
loses their roles as soon as the API server reports the change (well under a second on
an idle cluster). The cache answers :class:`~orchestrator.domain.access.RoleSource`
questions without a call per request. A spec the project model refuses grants nothing:
when in doubt, nobody gets a role. A lost watch (the server closes it, ``410 Gone``,
a network error) is re-established, after a fresh list when needed. The platform-wide
operator role does not come from projects; it is given to the constructor.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import kubernetes.client
import kubernetes.watch
import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from orchestrator.domain.access import Grants, Role
from orchestrator.domain.projects.spec import (
    API_GROUP,
    API_VERSION,
    PLURAL,
    InvalidProjectSpec,
    parse_project,
)

log = logging.getLogger(__name__)

Members = Mapping[str, frozenset[Role]]
"""One project's members: username -> roles."""


def members_of(name: str, spec: Mapping[str, Any]) -> Members:
    """The roles each member of project ``name`` holds; nothing for a spec that is not valid."""
    try:
        project = parse_project(name, spec)
    except InvalidProjectSpec as exc:
        log.warning("project %s: its spec is not valid, so it grants no roles: %s", name, exc)
        return {}
    return {m.username: frozenset(Role(r) for r in m.roles) for m in project.members}


class ProjectMembers:
    """A :class:`RoleSource` backed by a watch on ResearchProjects."""

    def __init__(
        self,
        api_client: kubernetes.client.ApiClient,
        operators: frozenset[str] = frozenset(),
        watch_timeout: int = 60,
        retry_delay: float = 1.0,
    ) -> None:
        self._api = kubernetes.client.CustomObjectsApi(api_client)
        self._operators = operators
        self._watch_timeout = watch_timeout
        self._retry_delay = retry_delay
        self._projects: dict[str, Members] = {}
        self._lock = threading.Lock()
        self._synced = threading.Event()
        self._stopping = threading.Event()
        self._watch: kubernetes.watch.Watch | None = None
        self._thread: threading.Thread | None = None

    # --- the RoleSource protocol ------------------------------------------------------

    async def grants_for(self, username: str) -> Grants:
        with self._lock:
            projects = {
                project: members[username]
                for project, members in self._projects.items()
                if members.get(username)
            }
        return Grants(projects=projects, operator=username in self._operators)

    async def members(self, project: str, role: Role) -> frozenset[str]:
        with self._lock:
            members = self._projects.get(project, {})
        return frozenset(name for name, roles in members.items() if role in roles)

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> ProjectMembers:
        """Start listing and watching in a background thread."""
        self._thread = threading.Thread(target=self._run, name="project-members", daemon=True)
        self._thread.start()
        return self

    def wait_synced(self, timeout: float) -> bool:
        """Whether the first full list arrived within ``timeout`` seconds."""
        return self._synced.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End the watch: closing the client's connections wakes a blocked read."""
        self._stopping.set()
        if self._watch is not None:
            self._watch.stop()
        self._api.api_client.rest_client.pool_manager.clear()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    # --- the loop ---------------------------------------------------------------------

    def _run(self) -> None:
        version: str | None = None
        while not self._stopping.is_set():
            try:
                if version is None:
                    version = self._list()
                version = self._follow(version)
            except ApiException as exc:
                if exc.status == 410:
                    log.info("ResearchProject watch expired; listing again")
                else:
                    log.warning("ResearchProject watch failed (%s); retrying", exc.status)
                    self._stopping.wait(self._retry_delay)
                version = None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                log.warning("ResearchProject watch lost its connection (%s); retrying", exc)
                self._stopping.wait(self._retry_delay)
                version = None

    def _list(self) -> str:
        listed = self._api.list_cluster_custom_object(API_GROUP, API_VERSION, PLURAL)
        projects = {
            item["metadata"]["name"]: members_of(item["metadata"]["name"], item.get("spec") or {})
            for item in listed.get("items", [])
        }
        with self._lock:
            self._projects = projects
        self._synced.set()
        log.info("read the members of %d projects", len(projects))
        return str(listed["metadata"]["resourceVersion"])

    def _follow(self, version: str) -> str | None:
        """Apply watch events until the server ends the watch; the version to resume from."""
        self._watch = kubernetes.watch.Watch()
        stream: Callable[..., Any] = self._watch.stream
        for event in stream(
            self._api.list_cluster_custom_object,
            API_GROUP,
            API_VERSION,
            PLURAL,
            resource_version=version,
            timeout_seconds=self._watch_timeout,
            allow_watch_bookmarks=True,
        ):
            kind, item = event["type"], event["object"]
            if kind == "ERROR":
                if item.get("code") == 410:
                    return None
                raise ApiException(status=item.get("code"), reason=item.get("message"))
            version = item["metadata"]["resourceVersion"]
            if kind == "BOOKMARK":
                continue
            name = item["metadata"]["name"]
            with self._lock:
                if kind == "DELETED":
                    self._projects.pop(name, None)
                else:
                    self._projects[name] = members_of(name, item.get("spec") or {})
            log.info("project %s: %s, members now %s", name, kind.lower(), self._names(name))
            if self._stopping.is_set():
                break
        return version

    def _names(self, project: str) -> list[str]:
        with self._lock:
            return sorted(self._projects.get(project, {}))
