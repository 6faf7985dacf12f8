"""``/api/usage/summary`` and ``/api/usage/export``: what the console's dashboard draws and
its CSV export, narrowed to a time range and optionally one connector (viewer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from ...store.usage_log import ROW_COLUMNS, to_csv
from ...store.usage_summary import matching_rows, summarize
from ..auth import Viewer, store_of
from ..problems import ApiError
from .usage import parse_time

router = APIRouter(prefix="/api/usage", tags=["usage"])

From = Annotated[str | None, Query(alias="from", description="Start (inclusive), ISO.")]
To = Annotated[str | None, Query(description="End (exclusive), ISO; a date means its start.")]
Connector = Annotated[str | None, Query(max_length=200, description="One connector's calls.")]


def _range(from_: str | None, to: str | None) -> tuple[Any, Any]:
    since = parse_time(from_, "from")
    until = parse_time(to, "to")
    if since and until and until <= since:
        raise ApiError("invalid_input", "'to' must come after 'from'", field="to")
    return since, until


@router.get("/summary")
def usage_summary(
    request: Request,
    key: Viewer,
    *,
    from_: From = None,
    to: To = None,
    connector: Connector = None,
) -> dict[str, Any]:
    """Tokens per day and model, per connector, top operations, errors and retries per day,
    latency percentiles and the latest 50 rows."""
    since, until = _range(from_, to)
    data = summarize(store_of(request).engine, since, until, connector or None)
    return {
        "from": since.isoformat() if since else None,
        "to": until.isoformat() if until else None,
        "connector": connector or None,
        "price_table": request.app.state.prices.version,
        **data,
    }


@router.get("/export", response_class=PlainTextResponse)
def usage_export(
    request: Request,
    key: Viewer,
    *,
    from_: From = None,
    to: To = None,
    connector: Connector = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100_000,
) -> PlainTextResponse:
    """The rows of the range (and connector) as CSV, newest first."""
    since, until = _range(from_, to)
    rows = matching_rows(store_of(request).engine, since, until, connector or None, limit)
    return PlainTextResponse(
        to_csv(rows, ROW_COLUMNS),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
    )
