"""Operational routes: health, readiness, metrics, and audit verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from orchestrator.api.schemas import AuditVerificationOut, HealthOut, SigningKeyOut
from orchestrator.api.security import components_of, permit
from orchestrator.domain.access import Action, Actor
from orchestrator.domain.airlock.states import State

router = APIRouter(tags=["operations"])

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/api/v1/audit/key"})
"""Routes that answer without credentials (probes, the metrics scrape, the public key)."""


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz", summary="Readiness: database and object storage reachable", response_model=HealthOut
)
async def readyz(request: Request) -> Response:
    checks = await components_of(request).airlock.readiness()
    ready = all(v == "ok" for v in checks.values())
    body = HealthOut(status="ok" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    components = components_of(request)
    counts = await components.airlock.count_by_state()
    components.metrics.set_request_counts(counts, [str(s) for s in State])
    return Response(components.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/api/v1/audit/key",
    summary="The public key that signs audit checkpoints and release manifests (anyone)",
)
async def signing_key(request: Request) -> SigningKeyOut:
    key = await components_of(request).airlock.signing_key()
    return SigningKeyOut(key_id=key.key_id, algorithm=key.algorithm, versions=key.versions)


@router.get("/api/v1/audit/verify", summary="Verify the hash-chained audit log (operators)")
async def verify_audit(
    request: Request,
    actor: Annotated[Actor, Depends(permit(Action.VERIFY_AUDIT))],
) -> AuditVerificationOut:
    del actor
    return AuditVerificationOut.from_result(await components_of(request).airlock.verify_audit())
