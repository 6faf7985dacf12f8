"""``/healthz`` (the process answers) and ``/readyz`` (its database answers); no key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..auth import store_of
from ..problems import error_body

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, Any] | JSONResponse:
    if store_of(request).reachable():
        return {"status": "ready"}
    return JSONResponse(
        error_body("database_unreachable", "the database does not answer"), status_code=503
    )
