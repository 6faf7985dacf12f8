"""``/api/usage``: the usage log between two times, as rows or grouped totals, JSON or CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from ...store.usage_log import ROW_COLUMNS, TOTAL_COLUMNS, GroupBy, to_csv
from ..auth import Viewer, store_of
from ..problems import ApiError

router = APIRouter(prefix="/api/usage", tags=["usage"])


def parse_time(text: str | None, field: str) -> datetime | None:
    """An ISO time or date (UTC when no offset is given)."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise ApiError(
                "invalid_input",
                f"{field}: {text!r} is not a time: use 2026-11-30 or 2026-11-30T12:00:00Z",
                field=field,
            ) from None
        moment = datetime(day.year, day.month, day.day)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.get("", response_model=None)
def get_usage(
    request: Request,
    key: Viewer,
    *,
    from_: Annotated[
        str | None, Query(alias="from", description="Start (inclusive), ISO time or date.")
    ] = None,
    to: Annotated[
        str | None, Query(description="End (exclusive), ISO; a date means its start.")
    ] = None,
    group_by: GroupBy | None = None,
    format: Literal["json", "csv"] = "json",
    limit: Annotated[int, Query(ge=1, le=100_000, description="Rows (not groups) at most.")] = 1000,
) -> dict[str, Any] | PlainTextResponse:
    since = parse_time(from_, "from")
    until = parse_time(to, "to")
    if since and until and until <= since:
        raise ApiError("invalid_input", "'to' must come after 'from'", field="to")
    usage = store_of(request).usage
    if group_by is None:
        rows = usage.rows(since, until, limit)
        columns: tuple[str, ...] = ROW_COLUMNS
    else:
        rows = usage.totals(group_by, since, until)
        columns = (group_by, *TOTAL_COLUMNS)
    if format == "csv":
        return PlainTextResponse(
            to_csv(rows, columns),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
        )
    return {
        "from": since.isoformat() if since else None,
        "to": until.isoformat() if until else None,
        "group_by": group_by,
        "price_table": request.app.state.prices.version,
        "rows": rows,
    }
