"""The usage dashboard's figures in one read: tokens per day and model, totals per connector,
top operations, errors and retries per day, latency percentiles and the latest rows.

Optionally narrowed to one connector. Percentiles are nearest-rank over the latencies in the
range (read as one column, sorted by the database).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from .models import UsageRow
from .records import as_utc
from .usage_log import ROW_COLUMNS, day_of

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Engine

PERCENTILES = (50, 90, 95, 99)
TOP_OPERATIONS = 10
LATEST_ROWS = 50


def _tokens() -> Any:
    return func.coalesce(UsageRow.prompt_tokens, 0) + func.coalesce(UsageRow.completion_tokens, 0)


def _failed() -> Any:
    return case(((UsageRow.error_code.is_not(None)) | (UsageRow.status >= 400), 1), else_=0)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        moment = as_utc(value) if hasattr(value, "hour") else value
        return moment.isoformat()  # type: ignore[union-attr]
    return value


def _number(value: Any) -> int:
    return int(value or 0)


def percentile(ordered: list[float], rank: int) -> float | None:
    """Nearest-rank percentile of an ascending list; None for an empty one."""
    if not ordered:
        return None
    index = max(0, math.ceil(rank / 100 * len(ordered)) - 1)
    return round(ordered[index], 3)


def matching_rows(
    engine: Engine,
    since: datetime | None,
    until: datetime | None,
    connector: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The rows in the range (of one connector when given), newest first."""
    query = _where(select(*[getattr(UsageRow, c) for c in ROW_COLUMNS]), since, until, connector)
    query = query.order_by(UsageRow.time.desc(), UsageRow.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [
            {name: _plain(value) for name, value in zip(ROW_COLUMNS, row, strict=True)}
            for row in connection.execute(query)
        ]


def _where(
    query: Any, since: datetime | None, until: datetime | None, connector: str | None
) -> Any:
    if since is not None:
        query = query.where(UsageRow.time >= as_utc(since))
    if until is not None:
        query = query.where(UsageRow.time < as_utc(until))
    if connector:
        query = query.where(UsageRow.connector == connector)
    return query


def summarize(
    engine: Engine,
    since: datetime | None = None,
    until: datetime | None = None,
    connector: str | None = None,
) -> dict[str, Any]:
    """Everything the dashboard draws, for calls in ``[since, until)``."""
    day = day_of(UsageRow.time)
    tokens = _tokens()

    def q(*columns: Any) -> Any:
        return _where(select(*columns), since, until, connector)

    per_day_model = q(day.label("day"), UsageRow.model, func.sum(tokens).label("tokens"))
    per_day_model = per_day_model.group_by(day, UsageRow.model).order_by(day, UsageRow.model)
    per_connector = q(
        UsageRow.connector,
        func.count().label("calls"),
        func.sum(tokens).label("tokens"),
        func.sum(UsageRow.cost_usd).label("cost_usd"),
        func.sum(case((UsageRow.cost_usd.is_(None), 1), else_=0)).label("unpriced"),
    ).group_by(UsageRow.connector)
    per_operation = q(
        UsageRow.operation,
        func.count().label("calls"),
        func.sum(tokens).label("tokens"),
        func.sum(_failed()).label("errors"),
    ).group_by(UsageRow.operation)
    per_operation = per_operation.order_by(func.count().desc(), UsageRow.operation)
    per_day = q(
        day.label("day"),
        func.count().label("calls"),
        func.sum(_failed()).label("errors"),
        func.sum(func.coalesce(UsageRow.attempts, 1) - 1).label("retries"),
    )
    per_day = per_day.group_by(day).order_by(day)
    latencies = q(UsageRow.latency_ms).where(UsageRow.latency_ms.is_not(None))
    latencies = latencies.order_by(UsageRow.latency_ms)
    with engine.connect() as connection:
        tokens_by_day = [
            {"day": _plain(r.day), "model": r.model, "tokens": _number(r.tokens)}
            for r in connection.execute(per_day_model)
        ]
        connectors = [
            {
                "connector": r.connector,
                "calls": _number(r.calls),
                "tokens": _number(r.tokens),
                "cost_usd": None if r.cost_usd is None else round(float(r.cost_usd), 10),
                "unpriced_calls": _number(r.unpriced),
            }
            for r in connection.execute(per_connector)
        ]
        operations = [
            {
                "operation": r.operation,
                "calls": _number(r.calls),
                "tokens": _number(r.tokens),
                "errors": _number(r.errors),
            }
            for r in connection.execute(per_operation.limit(TOP_OPERATIONS))
        ]
        days = []
        for r in connection.execute(per_day):
            calls, errors = _number(r.calls), _number(r.errors)
            days.append(
                {
                    "day": _plain(r.day),
                    "calls": calls,
                    "errors": errors,
                    "retries": _number(r.retries),
                    "error_rate": round(errors / calls, 4) if calls else 0.0,
                }
            )
        ordered = [float(v) for (v,) in connection.execute(latencies)]
    connectors.sort(key=lambda c: (-c["tokens"], str(c["connector"])))
    calls = sum(d["calls"] for d in days)
    costs = [c["cost_usd"] for c in connectors if c["cost_usd"] is not None]
    return {
        "totals": {
            "calls": calls,
            "errors": sum(d["errors"] for d in days),
            "retries": sum(d["retries"] for d in days),
            "tokens": sum(c["tokens"] for c in connectors),
            "cost_usd": round(sum(costs), 10) if costs else None,
        },
        "tokens_by_day_model": tokens_by_day,
        "by_connector": connectors,
        "top_operations": operations,
        "by_day": days,
        "latency_ms": {f"p{p}": percentile(ordered, p) for p in PERCENTILES}
        | {"count": len(ordered)},
        "latest": matching_rows(engine, since, until, connector, LATEST_ROWS),
    }
