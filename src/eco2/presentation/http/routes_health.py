"""Liveness (the process answers) and readiness (Redis, PostgreSQL when configured, the queue)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from eco2.presentation.http.errors import responses
from eco2.presentation.http.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=responses(503))
async def readyz(request: Request) -> JSONResponse:
    checks = request.app.state.services.checks
    names = list(checks)
    outcomes = await asyncio.gather(*(_probe(checks[name]) for name in names))
    results = dict(zip(names, outcomes, strict=True))
    ready = all(outcomes)
    body = Readiness(status="ready" if ready else "unavailable", checks=results).model_dump()
    if not ready:
        failed = ", ".join(name for name, ok in results.items() if not ok)
        body = {"error": {"code": "not_ready", "message": f"연결할 수 없는 의존 서비스: {failed}"}}
    return JSONResponse(body, status_code=200 if ready else 503)


async def _probe(check) -> bool:  # type: ignore[no-untyped-def]
    try:
        async with asyncio.timeout(2):
            return bool(await check())
    except Exception:
        return False
