"""Routes after approval: release, downloads through the airlock, revocation, and retry."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from orchestrator.api.schemas import RequestOut, RevokeIn
from orchestrator.api.security import components_of, permit
from orchestrator.domain.access import Action, Actor

router = APIRouter(prefix="/api/v1", tags=["release"])


@router.post("/requests/{request_id}/release", summary="Release an approved request")
async def release(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.RELEASE))],
) -> RequestOut:
    return RequestOut.from_detail(await components_of(request).airlock.release(actor, request_id))


@router.get(
    "/requests/{request_id}/manifest",
    summary="The signed release manifest: every released file's name, size and SHA-256",
)
async def manifest(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.VIEW_REQUEST))],
) -> dict[str, object]:
    return await components_of(request).airlock.manifest(actor, request_id)


@router.get(
    "/requests/{request_id}/files/{name:path}/content",
    summary="Download a released file (streamed and re-hashed; each completed download "
    "counts against your limit)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download(
    request_id: str,
    name: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.DOWNLOAD))],
) -> StreamingResponse:
    """The bytes of a released file. ``X-TRE-SHA256`` carries the reviewed hash; if the
    stored bytes differ, the stream stops before its end (the body is shorter than its
    ``Content-Length``) and nothing is counted."""
    started = await components_of(request).airlock.download(actor, request_id, name)
    filename = quote(name.rsplit("/", 1)[-1])
    return StreamingResponse(
        started.chunks,
        media_type="application/octet-stream",
        headers={
            "Content-Length": str(started.size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
            "X-TRE-SHA256": started.sha256,
        },
    )


@router.post(
    "/requests/{request_id}/revoke",
    summary="Revoke a release; its files can no longer be downloaded",
)
async def revoke(
    request_id: str,
    body: RevokeIn,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.REVOKE))],
) -> RequestOut:
    detail = await components_of(request).airlock.revoke(actor, request_id, body.reason)
    return RequestOut.from_detail(detail)


@router.post(
    "/requests/{request_id}/retry", summary="Retry a request that failed on an infrastructure fault"
)
async def retry(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.RETRY))],
) -> RequestOut:
    return RequestOut.from_detail(await components_of(request).airlock.retry(actor, request_id))
