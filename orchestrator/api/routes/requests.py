"""Routes for requesters: create, add files, submit, new version, withdraw, and reading."""

from __future__ import annotations

from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, Depends, Query, Request, status

from orchestrator.api.schemas import CreateRequestIn, RequestOut, RequestSummaryOut
from orchestrator.api.security import components_of, permit
from orchestrator.api.streaming import BodyReader
from orchestrator.domain.access import Action, Actor
from orchestrator.domain.airlock.states import State

router = APIRouter(prefix="/api/v1", tags=["requests"])


@router.post(
    "/projects/{project}/requests",
    status_code=status.HTTP_201_CREATED,
    summary="Create a draft request in a project",
)
async def create_request(
    project: str,
    body: CreateRequestIn,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.CREATE_REQUEST))],
) -> RequestOut:
    detail = await components_of(request).airlock.create(
        actor, project, body.title, body.purpose, body.direction
    )
    return RequestOut.from_detail(detail)


@router.get("/requests", summary="List the requests you can see")
async def list_requests(
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.LIST_REQUESTS))],
    project: Annotated[str | None, Query(description="Only this project.")] = None,
    state: Annotated[State | None, Query(description="Only requests in this state.")] = None,
) -> list[RequestSummaryOut]:
    found = await components_of(request).airlock.list_requests(actor, project, state)
    return [RequestSummaryOut.from_request(r) for r in found]


@router.get("/requests/{request_id}", summary="A request's state, files and visible votes")
async def get_request(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.VIEW_REQUEST))],
) -> RequestOut:
    return RequestOut.from_detail(await components_of(request).airlock.get(actor, request_id))


@router.put(
    "/requests/{request_id}/files/{name:path}",
    summary="Upload a file (streamed; the raw body is the file's bytes)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload_file(
    request_id: str,
    name: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.ADD_FILE))],
    context: Annotated[str, Query(max_length=10_000, description="What this output is.")] = "",
    controls: Annotated[
        str, Query(max_length=10_000, description="Disclosure controls applied.")
    ] = "",
) -> RequestOut:
    components = components_of(request)
    length = int(request.headers.get("content-length", "-1"))
    body = cast(BinaryIO, BodyReader(request.stream(), components.settings.server.max_upload_bytes))
    detail = await components.airlock.add_file(
        actor, request_id, name, body, length, context, controls
    )
    return RequestOut.from_detail(detail)


@router.post("/requests/{request_id}/submit", summary="Submit for checking and review")
async def submit_request(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.SUBMIT))],
) -> RequestOut:
    return RequestOut.from_detail(await components_of(request).airlock.submit(actor, request_id))


@router.post(
    "/requests/{request_id}/versions", summary="Start a new version after changes were requested"
)
async def new_version(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.NEW_VERSION))],
) -> RequestOut:
    detail = await components_of(request).airlock.new_version(actor, request_id)
    return RequestOut.from_detail(detail)


@router.post("/requests/{request_id}/withdraw", summary="Withdraw your request")
async def withdraw_request(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.WITHDRAW))],
) -> RequestOut:
    detail = await components_of(request).airlock.withdraw(actor, request_id)
    return RequestOut.from_detail(detail)
