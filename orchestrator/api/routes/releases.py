"""Routes after approval: release, download links, revocation, and operator retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from orchestrator.api.schemas import DownloadLinkOut, RequestOut, RevokeIn
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


@router.post(
    "/requests/{request_id}/files/{name:path}/download-link",
    summary="A short-lived presigned link to a released file (counted against a limit)",
)
async def download_link(
    request_id: str,
    name: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.DOWNLOAD))],
) -> DownloadLinkOut:
    link = await components_of(request).airlock.download_link(actor, request_id, name)
    return DownloadLinkOut.from_link(link)


@router.post("/requests/{request_id}/revoke", summary="Revoke a release; its links stop working")
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
