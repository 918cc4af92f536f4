"""A small HTTP client for the airlock API, used by the ``tre airlock`` commands.

Uploads stream from disk and downloads stream to disk, so file size never matters
to memory. Every failure becomes :class:`AirlockApiError` carrying the server's
human-readable reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

API = "/api/v1"
CHUNK = 1024 * 1024


class AirlockApiError(Exception):
    """The airlock refused or could not be reached; ``str()`` is the reason for people."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Downloaded:
    """A file written to disk: its size and hash as received, and the hash the airlock sent."""

    size: int
    sha256: str
    announced_sha256: str


@dataclass(frozen=True)
class Credentials:
    """How the client proves who it is: an OIDC bearer token or a workspace token."""

    token: str
    workspace_project: str | None = None

    def headers(self) -> dict[str, str]:
        if self.workspace_project is not None:
            return {"Authorization": f"token {self.token}", "X-TRE-Project": self.workspace_project}
        return {"Authorization": f"Bearer {self.token}"}


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class AirlockClient:
    """Calls the airlock API on behalf of one caller."""

    def __init__(self, base_url: str, credentials: Credentials, timeout: float = 60.0) -> None:
        self._base = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self._base,
            headers=credentials.headers(),
            timeout=httpx.Timeout(timeout, connect=10.0),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AirlockClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AirlockApiError(
                f"could not reach the airlock at {self._base}: {exc}. Check TRE_AIRLOCK_URL."
            ) from exc
        return _parse(response)

    def create(self, project: str, title: str, purpose: str, direction: str = "export") -> Any:
        body = {"title": title, "purpose": purpose, "direction": direction}
        return self._call("POST", f"{API}/projects/{quote(project)}/requests", json=body)

    def upload(
        self, request_id: str, name: str, path: Path, context: str = "", controls: str = ""
    ) -> Any:
        return self._call(
            "PUT",
            f"{API}/requests/{request_id}/files/{quote(name)}",
            params={"context": context, "controls": controls},
            content=_file_chunks(path),
            headers={"Content-Type": "application/octet-stream"},
            timeout=httpx.Timeout(None, connect=10.0),
        )

    def submit(self, request_id: str) -> Any:
        return self._call("POST", f"{API}/requests/{request_id}/submit")

    def get(self, request_id: str) -> Any:
        return self._call("GET", f"{API}/requests/{request_id}")

    def list_requests(self, project: str | None = None, state: str | None = None) -> Any:
        params = {k: v for k, v in {"project": project, "state": state}.items() if v}
        return self._call("GET", f"{API}/requests", params=params)

    def review_view(self, request_id: str) -> Any:
        return self._call("GET", f"{API}/requests/{request_id}/review")

    def decide(
        self,
        request_id: str,
        decision: str,
        comment: str = "",
        acknowledged: list[str] | None = None,
    ) -> Any:
        body = {"decision": decision, "comment": comment, "acknowledged": acknowledged or []}
        return self._call("POST", f"{API}/requests/{request_id}/decisions", json=body)

    def new_version(self, request_id: str) -> Any:
        return self._call("POST", f"{API}/requests/{request_id}/versions")

    def withdraw(self, request_id: str) -> Any:
        return self._call("POST", f"{API}/requests/{request_id}/withdraw")

    def release(self, request_id: str) -> Any:
        return self._call("POST", f"{API}/requests/{request_id}/release")

    def revoke(self, request_id: str, reason: str) -> Any:
        return self._call("POST", f"{API}/requests/{request_id}/revoke", json={"reason": reason})

    def retry(self, request_id: str) -> Any:
        return self._call("POST", f"{API}/requests/{request_id}/retry")

    def manifest(self, request_id: str) -> Any:
        return self._call("GET", f"{API}/requests/{request_id}/manifest")

    def signing_key(self) -> Any:
        return self._call("GET", f"{API}/audit/key")

    def verify_audit(self) -> Any:
        return self._call("GET", f"{API}/audit/verify")

    def download(self, request_id: str, name: str, dest: Path) -> Downloaded:
        """Stream a released file to ``dest`` through the airlock, hashing it on the way.

        The bytes land in ``<dest>.part`` and are moved to ``dest`` only when the whole
        body arrived; an interrupted stream (the airlock stops one whose bytes changed)
        leaves nothing behind.
        """
        part = dest.with_name(dest.name + ".part")
        digest = hashlib.sha256()
        written = 0
        path = f"{API}/requests/{request_id}/files/{quote(name)}/content"
        try:
            with self._http.stream(
                "GET", path, timeout=httpx.Timeout(None, connect=10.0)
            ) as response:
                if response.status_code != 200:
                    response.read()
                    _parse(response)
                with part.open("wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
                announced = response.headers.get("x-tre-sha256", "")
        except httpx.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise AirlockApiError(f"the download of {name} failed: {exc}") from exc
        except AirlockApiError:
            part.unlink(missing_ok=True)
            raise
        part.replace(dest)
        return Downloaded(size=written, sha256=digest.hexdigest(), announced_sha256=announced)


def _parse(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code < 300:
        return body
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # validation errors: name the field and the problem
        detail = "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:])}: {item.get('msg')}"
            for item in detail
            if isinstance(item, dict)
        )
    message = detail or response.text or response.reason_phrase
    raise AirlockApiError(f"{message} (HTTP {response.status_code})", response.status_code)
