"""Use cases for the requester: open a draft, add and describe files, new versions, withdraw."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from orchestrator.domain.access import Actor
from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.errors import InvalidInput, NotFound, NotPermitted, RequestTooLarge
from orchestrator.domain.airlock.model import (
    Direction,
    Request,
    RequestFile,
    check_file_name,
    check_request_text,
)
from orchestrator.domain.airlock.states import State
from orchestrator.services.airlock.core import AirlockCore
from orchestrator.services.airlock.ports import OutboxRef
from orchestrator.services.airlock.streams import ingest


class DraftingMixin(AirlockCore):
    """Creating requests and editing their files while they are editable."""

    def create_draft(
        self,
        actor: Actor,
        *,
        project: str,
        title: str,
        purpose: str,
        direction: Direction = Direction.EXPORT,
    ) -> Request:
        """Open a new request in ``project`` (researchers and admins of the project)."""
        rules.check_can_create(actor, project)
        check_request_text(title, purpose)
        now = self._now()
        with self._tx() as repo:
            required = repo.required_approvals(project) or self.config.default_required_approvals
            request = Request(
                id=uuid.uuid4().hex,
                project=project,
                requester=actor.username,
                direction=direction,
                title=title.strip(),
                purpose=purpose.strip(),
                state=State.DRAFT,
                required_approvals=required,
                created_at=now,
                updated_at=now,
            )
            repo.add_request(request)
            self._audit(
                repo,
                actor,
                "request_created",
                request=request,
                direction=str(direction),
                title=request.title,
            )
        return request

    def _working(self, request: Request) -> Request:
        """The editable version: a new one is started when the current one was submitted."""
        if request.version > request.submitted_version:
            return request
        return replace(
            request,
            version=request.version + 1,
            files=tuple(replace(f, verdict=None, findings=()) for f in request.files),
        )

    def _edit(
        self,
        actor: Actor,
        request_id: str,
        change: Callable[[Request], Request],
        action: str,
        **details: Any,
    ) -> Request:
        with self._tx() as repo:
            request = self._load(repo, request_id, lock=True)
            rules.check_can_edit(request, actor)
            working = self._working(request)
            changed = replace(change(working), updated_at=self._now())
            repo.save_request(changed)
            self._audit(repo, actor, action, request=changed, version=changed.version, **details)
        return changed

    def add_file(
        self,
        actor: Actor,
        request_id: str,
        name: str,
        *,
        stream: BinaryIO | None = None,
        length: int = -1,
        local_path: Path | None = None,
        outbox: OutboxRef | None = None,
        context: str = "",
        controls: str = "",
    ) -> RequestFile:
        """Add (or replace) a file, from exactly one of a stream, a local path or the outbox.

        Streamed and local files are frozen into quarantine now; outbox files are
        copied into quarantine when the request is submitted.
        """
        check_file_name(name)
        sources = [s for s in (stream, local_path, outbox) if s is not None]
        if len(sources) != 1:
            raise InvalidInput("give exactly one of: the file's bytes, a local path, an outbox key")
        with self._read() as repo:
            request = self._load(repo, request_id)
        rules.check_can_edit(request, actor)
        room = self._check_request_limits(self._working(request), name, 0)
        if outbox is not None:
            self._check_outbox(request, outbox)
        sha256: str | None = None
        size: int | None = None
        if outbox is not None:
            source = outbox.as_source()
        else:
            bucket = self.config.quarantine_bucket
            limit = min(self.config.max_file_size, room)
            if local_path is not None and not local_path.is_file():
                raise InvalidInput(f"{local_path} is not a file")
            try:
                if local_path is not None:
                    with local_path.open("rb") as handle:
                        stored = ingest(
                            self.store,
                            bucket,
                            handle,
                            length=local_path.stat().st_size,
                            max_size=limit,
                        )
                    source = "local"
                else:
                    assert stream is not None
                    stored = ingest(self.store, bucket, stream, length=length, max_size=limit)
                    source = "upload"
            except InvalidInput as exc:  # only the size limit: the request's room was smaller
                if limit < self.config.max_file_size:
                    raise RequestTooLarge(self._too_many_bytes()) from exc
                raise
            sha256, size = stored.sha256, stored.size
        new = RequestFile(
            name=name, context=context, controls=controls, sha256=sha256, size=size, source=source
        )

        def put(request: Request) -> Request:
            self._check_request_limits(request, name, size or 0)  # again, under the lock
            others = tuple(f for f in request.files if f.name != name)
            return replace(request, files=tuple(sorted((*others, new), key=lambda f: f.name)))

        self._edit(
            actor, request_id, put, "file_added", name=name, sha256=sha256, size=size, source=source
        )
        return new

    def _check_request_limits(self, request: Request, name: str, size: int) -> int:
        """Refuse a file that would pass the request's file count or total size.

        Returns how many bytes the file may still have.
        """
        others = [f for f in request.files if f.name != name]
        if len(others) >= self.config.max_files_per_request:
            raise RequestTooLarge(
                f"this request already has {len(others)} files, the most one request may "
                "hold; remove a file, combine files, or split the export into several requests"
            )
        room = self.config.max_request_bytes - sum(f.size or 0 for f in others)
        if size > room or room <= 0:
            raise RequestTooLarge(self._too_many_bytes())
        return room

    def _too_many_bytes(self) -> str:
        return (
            f"the files of this request would be larger than {self.config.max_request_bytes} "
            "bytes together, the most one request may hold; split the export into several "
            "requests"
        )

    def _check_outbox(self, request: Request, outbox: OutboxRef) -> None:
        """Files come only from the request's own project outbox, never another bucket."""
        allowed = self.config.outbox_bucket_pattern.format(project=request.project)
        if outbox.bucket != allowed:
            raise NotPermitted(
                f"files for project {request.project} can only come from its outbox "
                f"bucket {allowed}, not {outbox.bucket}"
            )
        if not outbox.key or outbox.key.startswith("/") or ".." in outbox.key.split("/"):
            raise InvalidInput(f"{outbox.key!r} is not a valid key in the outbox")

    def describe_file(
        self, actor: Actor, request_id: str, name: str, *, context: str, controls: str
    ) -> Request:
        """Set a file's context (what it is) and controls (disclosure controls applied)."""

        def describe(request: Request) -> Request:
            if request.file(name) is None:
                raise NotFound(f"this request has no file {name!r}")
            files = tuple(
                replace(f, context=context, controls=controls) if f.name == name else f
                for f in request.files
            )
            return replace(request, files=files)

        return self._edit(actor, request_id, describe, "file_described", name=name)

    def remove_file(self, actor: Actor, request_id: str, name: str) -> Request:
        def remove(request: Request) -> Request:
            if request.file(name) is None:
                raise NotFound(f"this request has no file {name!r}")
            return replace(request, files=tuple(f for f in request.files if f.name != name))

        return self._edit(actor, request_id, remove, "file_removed", name=name)

    def new_version(self, actor: Actor, request_id: str) -> Request:
        """Start editing a new version after changes were requested or checks blocked it."""
        with self._tx() as repo:
            request = self._load(repo, request_id, lock=True)
            rules.check_can_edit(request, actor)
            if request.state is State.DRAFT:
                raise InvalidInput("a draft is already editable; add files and submit it")
            working = replace(self._working(request), updated_at=self._now())
            if working.version != request.version:
                repo.save_request(working)
                self._audit(
                    repo, actor, "version_started", request=working, version=working.version
                )
        return working

    def withdraw(self, actor: Actor, request_id: str, reason: str = "") -> Request:
        """The requester withdraws a draft, blocked request or one with changes requested."""
        with self._tx() as repo:
            request = self._load(repo, request_id, lock=True)
            return self._transition(repo, request, State.WITHDRAWN, actor, reason=reason)
