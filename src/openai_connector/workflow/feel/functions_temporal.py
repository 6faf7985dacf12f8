"""Date, time and duration functions (now, today, date, time, date and time, duration,
years and months duration, day of week, month of year) and temporal properties (``d.days``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .signature import Builtin
from .values import (
    DayTimeDuration,
    YearMonthDuration,
    is_number,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def _now(clock: dt.datetime) -> dt.datetime:
    return clock


def _today(clock: dt.datetime) -> dt.date:
    return clock.date()


def _date(source: Any, month: Any = None, day: Any = None) -> dt.date | None:
    if month is not None or day is not None:
        if not (is_number(source) and is_number(month) and is_number(day)):
            return None
        return dt.date(int(source), int(month), int(day))
    if isinstance(source, str):
        return parse_date(source)
    if isinstance(source, dt.datetime):
        return source.date()
    if isinstance(source, dt.date):
        return source
    return None


def _time(
    source: Any, minute: Any = None, second: Any = None, offset: Any = None
) -> dt.time | None:
    if minute is not None or second is not None:
        if not (is_number(source) and is_number(minute) and is_number(second)):
            return None
        moment = dt.datetime.combine(dt.date(2000, 1, 1), dt.time(int(source), int(minute)))
        moment += dt.timedelta(seconds=float(second))
        if isinstance(offset, DayTimeDuration):
            moment += dt.timedelta(seconds=float(offset.seconds))
        elif offset is not None:
            return None
        return moment.time()
    if isinstance(source, str):
        return parse_time(source)
    if isinstance(source, dt.datetime):
        return source.timetz()
    return source if isinstance(source, dt.time) else None


def _date_and_time(source: Any, time: Any = None) -> dt.datetime | None:
    if isinstance(time, str) and isinstance(source, dt.datetime):
        return _in_zone(source, time)
    if time is not None:
        if isinstance(source, dt.date) and isinstance(time, dt.time):
            day = source.date() if isinstance(source, dt.datetime) else source
            return dt.datetime.combine(day, time)
        return None
    if isinstance(source, str):
        moment = parse_date_time(source)
        if moment is None and (only_date := parse_date(source)) is not None:
            return dt.datetime.combine(only_date, dt.time())
        return moment
    if isinstance(source, dt.datetime):
        return source
    if isinstance(source, dt.date):
        return dt.datetime.combine(source, dt.time())
    return None


def _in_zone(moment: dt.datetime, zone: str) -> dt.datetime | None:
    """The same instant in another zone (a zone id or ``Z``); a local time is taken as UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        target = dt.UTC if zone == "Z" else ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(target)


def _duration(source: Any) -> DayTimeDuration | YearMonthDuration | None:
    return parse_duration(source) if isinstance(source, str) else None


def _years_and_months(start: Any, end: Any) -> YearMonthDuration | None:
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)):
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearMonthDuration(months)


def _day_of_week(date: Any) -> str | None:
    return _DAYS[date.weekday()] if isinstance(date, dt.date) else None


def _month_of_year(date: Any) -> str | None:
    return _MONTHS[date.month - 1] if isinstance(date, dt.date) else None


def temporal_property(value: Any, name: str) -> Any:
    """``value.name`` for dates, times and durations; null for anything else."""
    if isinstance(value, DayTimeDuration):
        seconds = value.seconds
        sign = -1 if seconds < 0 else 1
        whole = abs(seconds)
        parts = {
            "days": whole // 86400,
            "hours": whole % 86400 // 3600,
            "minutes": whole % 3600 // 60,
            "seconds": whole % 60,
        }
        return sign * Decimal(parts[name]) if name in parts else None
    if isinstance(value, YearMonthDuration):
        sign = -1 if value.months < 0 else 1
        years, months = divmod(abs(value.months), 12)
        return {"years": sign * years, "months": sign * months}.get(name)
    if isinstance(value, (dt.date, dt.time)):
        if name == "weekday" and isinstance(value, dt.date):
            return value.isoweekday()
        if name in ("year", "month", "day") and isinstance(value, dt.date):
            return getattr(value, name)
        if name in ("hour", "minute", "second") and not (
            isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        ):
            return getattr(value, name)
    return None


FUNCTIONS = [
    Builtin("now", (), _now, clock=True),
    Builtin("today", (), _today, clock=True),
    Builtin("date", ("from", "month?", "day?"), _date),
    Builtin("time", ("from", "minute?", "second?", "offset?"), _time),
    Builtin("date and time", ("from", "time?"), _date_and_time),  # time: a time or a zone
    Builtin("duration", ("from",), _duration),
    Builtin("years and months duration", ("from", "to"), _years_and_months),
    Builtin("day of week", ("date",), _day_of_week),
    Builtin("month of year", ("date",), _month_of_year),
]
