"""Release, revocation and counted downloads.

Release is a resumable pipeline in state ``releasing``: each file is streamed from
quarantine to the release bucket through a temporary key, its SHA-256 compared
with the submitted one, then committed under ``<project>/<request>/v<n>/files/<name>``
and recorded (one row per file, so a re-run skips it). The signed manifest is
stored in the database first and then written to ``<project>/<request>/v<n>/release-manifest.json``
(outside ``files/``, so no file name can replace it or be replaced by it), and only
then does the request become ``released``.

Released files leave only through :meth:`ReleasingMixin.download_released_file`: the
service streams the bytes itself, re-hashes them on the way and holds back the last
chunk until the hash matches and the completed download is counted for that person.
No link that works without the caller's own credentials is ever handed out.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

from orchestrator.domain.access import SYSTEM, Actor
from orchestrator.domain.airlock import review as rules
from orchestrator.domain.airlock.canonical import canonical_json, sha256_hex
from orchestrator.domain.airlock.errors import (
    IntegrityError,
    InvalidInput,
    LimitReached,
    NotFound,
    NotPermitted,
)
from orchestrator.domain.airlock.manifest import make_release_manifest, sign_manifest
from orchestrator.domain.airlock.model import Decision, Request, Vote
from orchestrator.domain.airlock.states import State, check_move
from orchestrator.services.airlock.core import AirlockCore
from orchestrator.services.airlock.streams import copy_verified, quarantine_key
from orchestrator.services.airlock.views import ReleasedDownload

MANIFEST_NAME = "release-manifest.json"
FILES_FOLDER = "files/"
"""Released files live under this folder of the release prefix, the manifest outside it."""


def release_prefix(request: Request) -> str:
    return f"{request.project}/{request.id}/v{request.version}/"


def released_file_key(request: Request, name: str) -> str:
    """Where a released file is stored: never the manifest's key, whatever its name."""
    return release_prefix(request) + FILES_FOLDER + name


def check_release_evidence(request: Request, votes: list[Vote]) -> None:
    """Defence in depth at release: enough distinct approvals by non-requesters, no block."""
    if request.has_block_finding:
        raise NotPermitted("this request has a finding that blocks release; it cannot be released")
    approvers = {
        v.reviewer
        for v in votes
        if v.version == request.version
        and v.decision is Decision.APPROVE
        and v.reviewer != request.requester
    }
    if len(approvers) < request.required_approvals:
        raise NotPermitted(
            f"version {request.version} has {len(approvers)} independent approvals; "
            f"{request.required_approvals} are needed before release"
        )
    for f in request.files:
        if f.sha256 is None:
            raise IntegrityError(f"{f.name} was never frozen in quarantine")


class ReleasingMixin(AirlockCore):
    """Release, revoke, and download links for released files."""

    def release(self, actor: Actor, request_id: str, *, process: bool = True) -> Request:
        """Start releasing an approved request (a reviewer or operator, never the requester)."""
        with self._tx() as repo:
            request = self._load(repo, request_id, lock=True)
            check_move(request, State.RELEASING, actor)
            check_release_evidence(request, repo.votes(request.id))
            moved = self._transition(repo, request, State.RELEASING, actor)
        return self.process(request_id) if process else moved

    def _run_release(self, request: Request) -> None:
        with self._read() as repo:
            votes = repo.votes(request.id)
            done = repo.released_files(request.id, request.version)
        check_release_evidence(request, votes)
        prefix = release_prefix(request)
        keys = {name: key for name, (_, key) in done.items()}
        for f in request.files:
            if f.name in done:
                continue
            assert f.sha256 is not None
            key = released_file_key(request, f.name)
            copy_verified(
                self.store,
                self.config.quarantine_bucket,
                quarantine_key(f.sha256),
                self.config.release_bucket,
                key,
                expected_sha256=f.sha256,
            )
            with self._tx() as repo:
                current = self._load(repo, request.id, lock=True)
                if current.state is not State.RELEASING:
                    return
                repo.add_released_file(
                    request.id, request.version, f.name, f.sha256, key, self._now()
                )
                self._audit(
                    repo,
                    SYSTEM,
                    "file_released",
                    request=current,
                    name=f.name,
                    sha256=f.sha256,
                    object_key=key,
                )
            keys[f.name] = key
        manifest_key = prefix + MANIFEST_NAME
        with self._read() as repo:
            stored = repo.manifest(request.id, request.version)
            submitted_at, checked_at = repo.version_times(request.id, request.version)
        if stored is None:
            manifest = make_release_manifest(
                request,
                votes,
                released_keys=keys,
                submitted_at=None if submitted_at is None else submitted_at.isoformat(),
                checked_at=None if checked_at is None else checked_at.isoformat(),
                released_at=self._now().isoformat(),
            )
            document = sign_manifest(manifest, self.signer)
            with self._tx() as repo:
                if repo.manifest(request.id, request.version) is None:
                    repo.add_manifest(
                        request.id, request.version, document, manifest_key, self._now()
                    )
                stored = repo.manifest(request.id, request.version)
            assert stored is not None
        body = canonical_json(stored[0])
        self.store.put_stream(
            self.config.release_bucket,
            manifest_key,
            io.BytesIO(body),
            len(body),
        )
        with self._tx() as repo:
            current = self._load(repo, request.id, lock=True)
            if current.state is State.RELEASING:
                self._transition(
                    repo,
                    current,
                    State.RELEASED,
                    SYSTEM,
                    manifest_key=manifest_key,
                    manifest_sha256=sha256_hex(body),
                )

    def release_manifest(self, actor: Actor, request_id: str) -> dict[str, object]:
        """The signed manifest document of a released request."""
        with self._read() as repo:
            request = self._load(repo, request_id)
            rules.check_can_view(request, actor)
            stored = repo.manifest(request.id, request.version)
        if stored is None:
            raise NotFound("this request has no release manifest (it has not been released)")
        return stored[0]

    def revoke(self, actor: Actor, request_id: str, reason: str) -> Request:
        """Withdraw a release: files are removed from the release bucket, links stop working."""
        if not reason.strip():
            raise InvalidInput("say why the release is being revoked")
        with self._read() as repo:
            request = self._load(repo, request_id)
            check_move(request, State.REVOKED, actor)
            done = repo.released_files(request.id, request.version)
        for _, key in done.values():
            self.store.remove(self.config.release_bucket, key)
        with self._tx() as repo:
            current = self._load(repo, request_id, lock=True)
            return self._transition(
                repo, current, State.REVOKED, actor, reason=reason, removed=sorted(done)
            )

    def download_released_file(self, actor: Actor, request_id: str, name: str) -> ReleasedDownload:
        """Stream a released file to ``actor``, counting it once every byte has passed.

        Permission and the caller's remaining downloads are checked before any byte is
        read. The returned chunks re-hash the file as they flow; the last chunk is held
        back until the hash matches the released one and the download is recorded (the
        limit checked again under the request's lock). A changed object or a used-up
        limit ends the stream with an error before the last chunk, so the caller never
        holds a complete file that was not counted or does not match.
        """
        with self._read() as repo:
            request = self._load(repo, request_id)
            rules.check_can_download_released(request, actor)
            released = repo.released_files(request.id, request.version)
            if name not in released:
                raise NotFound(f"this release has no file {name!r}")
            self._check_downloads_left(repo.download_count(request.id, name, actor.username), name)
        sha256, key = released[name]
        size = self.store.size(self.config.release_bucket, key)
        if size is None:
            raise NotFound(f"{name} is no longer in the release store")
        return ReleasedDownload(
            name=name,
            sha256=sha256,
            size=size,
            chunks=self._stream(actor, request, name, sha256=sha256, key=key),
        )

    def _check_downloads_left(self, used: int, name: str) -> None:
        if used >= self.config.max_downloads_per_file:
            raise LimitReached(
                f"you have downloaded {name} {used} times, the limit for a released file; "
                "ask a reviewer if you need it again"
            )

    def _stream(
        self, actor: Actor, request: Request, name: str, *, sha256: str, key: str
    ) -> Iterator[bytes]:
        digest = hashlib.sha256()
        held = b""
        with self.store.open(self.config.release_bucket, key) as chunks:
            for chunk in chunks:
                digest.update(chunk)
                if held:
                    yield held
                held = chunk
        found = digest.hexdigest()
        with self._tx() as repo:
            current = self._load(repo, request.id, lock=True)
            if found != sha256:
                self._audit(
                    repo,
                    actor,
                    "integrity_violation",
                    request=current,
                    name=name,
                    expected_sha256=sha256,
                    found_sha256=found,
                )
            else:
                rules.check_can_download_released(current, actor)
                used = repo.download_count(current.id, name, actor.username)
                self._check_downloads_left(used, name)
                repo.add_download(current.id, name, actor.username, self._now())
                self._audit(
                    repo,
                    actor,
                    "file_downloaded",
                    request=current,
                    name=name,
                    sha256=sha256,
                    downloads_left=self.config.max_downloads_per_file - used - 1,
                )
        if found != sha256:
            raise IntegrityError(
                f"the released copy of {name} no longer matches its reviewed SHA-256 "
                f"(expected {sha256}, found {found}); the download was stopped"
            )
        if held:
            yield held
