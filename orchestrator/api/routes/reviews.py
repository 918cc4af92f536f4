"""Routes for reviewers: the reviewer view and decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from orchestrator.api.schemas import DecisionIn, RequestOut
from orchestrator.api.security import components_of, permit
from orchestrator.domain.access import Action, Actor

router = APIRouter(prefix="/api/v1", tags=["review"])


@router.get(
    "/requests/{request_id}/review",
    summary="Reviewer view: files, findings to acknowledge, your vote (others hidden until all are in)",
)
async def review_view(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.REVIEW_VIEW))],
) -> RequestOut:
    return RequestOut.from_detail(await components_of(request).airlock.get(actor, request_id))


@router.post(
    "/requests/{request_id}/decisions",
    summary="Approve (acknowledging every review finding), request changes (with a comment), or reject",
)
async def decide(
    request_id: str,
    body: DecisionIn,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.DECIDE))],
) -> RequestOut:
    detail = await components_of(request).airlock.decide(
        actor, request_id, body.decision, body.comment, body.acknowledged
    )
    return RequestOut.from_detail(detail)
