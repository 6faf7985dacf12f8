"""The usage log: one row per exchange; rows and grouped totals between two times; CSV.

Grouping by day uses a portable expression (``date()`` on SQLite, ``CAST(... AS DATE)``
elsewhere), so the same query runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from sqlalchemy import Date, case, func, insert, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from .models import UsageRow
from .records import UsageRecord, as_utc, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Engine
    from sqlalchemy.sql.compiler import SQLCompiler

GroupBy = Literal["day", "connector", "model", "operation", "caller"]
GROUPS: tuple[str, ...] = get_args(GroupBy)
ROW_COLUMNS = ("time", *(f.name for f in fields(UsageRecord) if f.name != "time"))
TOTAL_COLUMNS = (
    "calls",
    "errors",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "cost_usd",
    "unpriced_calls",
    "avg_latency_ms",
)


class day_of(FunctionElement[date]):
    """The calendar day (UTC) of a stored time, portably."""

    type = Date()
    inherit_cache = True


@compiles(day_of)
def _day_default(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (as_utc(value) or value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class UsageLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, *records: UsageRecord) -> None:
        """Insert rows (one statement for many)."""
        if not records:
            return
        rows = []
        for rec in records:
            row = {f.name: getattr(rec, f.name) for f in fields(rec)}
            row["time"] = rec.time or utcnow()
            row["tags"] = list(rec.tags)
            rows.append(row)
        with self._engine.begin() as connection:
            connection.execute(insert(UsageRow), rows)

    @staticmethod
    def _between(query: Any, since: datetime | None, until: datetime | None) -> Any:
        if since is not None:
            query = query.where(UsageRow.time >= as_utc(since))
        if until is not None:
            query = query.where(UsageRow.time < as_utc(until))
        return query

    def rows(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """The rows between two times, newest first."""
        columns = [getattr(UsageRow, name) for name in ROW_COLUMNS]
        query = self._between(select(*columns), since, until)
        query = query.order_by(UsageRow.time.desc(), UsageRow.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [
                {name: _plain(value) for name, value in zip(ROW_COLUMNS, row, strict=True)}
                for row in connection.execute(query)
            ]

    def totals(
        self,
        group_by: GroupBy,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Totals per day, connector, model, operation or caller; cost is the sum of the
        priced calls and ``unpriced_calls`` counts those whose model has no price."""
        key = day_of(UsageRow.time) if group_by == "day" else getattr(UsageRow, group_by)
        failed = case(((UsageRow.error_code.is_not(None)) | (UsageRow.status >= 400), 1), else_=0)
        unpriced = case((UsageRow.cost_usd.is_(None), 1), else_=0)
        query = select(
            key.label("key"),
            func.count().label("calls"),
            func.sum(failed).label("errors"),
            func.sum(UsageRow.prompt_tokens).label("prompt_tokens"),
            func.sum(UsageRow.completion_tokens).label("completion_tokens"),
            func.sum(UsageRow.cached_tokens).label("cached_tokens"),
            func.sum(UsageRow.reasoning_tokens).label("reasoning_tokens"),
            func.sum(UsageRow.cost_usd).label("cost_usd"),
            func.sum(unpriced).label("unpriced_calls"),
            func.avg(UsageRow.latency_ms).label("avg_latency_ms"),
        )
        query = self._between(query, since, until).group_by(key).order_by(key)
        with self._engine.connect() as connection:
            result = []
            for row in connection.execute(query):
                data: dict[str, Any] = {group_by: _plain(row.key)}
                for name in TOTAL_COLUMNS:
                    value = getattr(row, name)
                    if name == "cost_usd" and value is not None:
                        value = round(float(value), 10)
                    elif name == "avg_latency_ms" and value is not None:
                        value = round(float(value), 3)
                    elif value is not None and name != "cost_usd":
                        value = int(value)
                    data[name] = value
                result.append(data)
            return result

    def month_cost(self, connector: str, now: datetime | None = None) -> float:
        """USD spent by a connector since the first of this month (UTC): for budgets."""
        moment = now or utcnow()
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        query = select(func.coalesce(func.sum(UsageRow.cost_usd), 0.0)).where(
            UsageRow.connector == connector, UsageRow.time >= start
        )
        with self._engine.connect() as connection:
            return float(connection.execute(query).scalar_one() or 0.0)


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV with a header line; lists joined by ';', None as an empty cell.

    A cell starting with ``= + - @`` is quoted with a leading ``'`` so that a spreadsheet
    does not run it as a formula (names are the users' own text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for name in columns:
            value = row.get(name)
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            text = "" if value is None else str(value)
            if text[:1] in ("=", "+", "-", "@") and isinstance(row.get(name), str | list):
                text = "'" + text
            cells.append(text)
        writer.writerow(cells)
    return out.getvalue()
