"""``GET /metrics``: Prometheus text format (viewer key: give it to the scraper as a bearer
token)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..auth import Viewer
from ..metrics import CONTENT_TYPE_LATEST

router = APIRouter(tags=["operating"])


@router.get("/metrics")
def metrics(request: Request, key: Viewer) -> Response:
    return Response(request.app.state.metrics.text(), media_type=CONTENT_TYPE_LATEST)
