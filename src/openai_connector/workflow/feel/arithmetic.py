"""FEEL's arithmetic operators on numbers, strings, durations and dates; null where undefined."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from .values import (
    DECIMAL,
    DayTimeDuration,
    YearMonthDuration,
    is_number,
    to_decimal,
)


def _delta(duration: DayTimeDuration) -> dt.timedelta:
    return dt.timedelta(seconds=float(duration.seconds))


def add_months(value: dt.date, months: int) -> dt.date:
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return value.replace(year=year, month=month, day=min(value.day, last_day))


def _seconds_between(left: dt.date, right: dt.date) -> Decimal | None:
    if isinstance(left, dt.datetime) != isinstance(right, dt.datetime):
        return None
    if (
        isinstance(left, dt.datetime)
        and isinstance(right, dt.datetime)
        and (left.tzinfo is None) != (right.tzinfo is None)
    ):
        return None
    delta = left - right
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1000000


def add(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return DECIMAL.add(to_decimal(left), to_decimal(right))
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(left, DayTimeDuration) and isinstance(right, DayTimeDuration):
        return DayTimeDuration(left.seconds + right.seconds)
    if isinstance(left, YearMonthDuration) and isinstance(right, YearMonthDuration):
        return YearMonthDuration(left.months + right.months)
    if isinstance(left, (DayTimeDuration, YearMonthDuration)) and isinstance(
        right, (dt.date, dt.time)
    ):
        return add(right, left)
    if isinstance(left, dt.date):
        if isinstance(right, YearMonthDuration):
            return add_months(left, right.months)
        if isinstance(right, DayTimeDuration):
            if isinstance(left, dt.datetime):
                return left + _delta(right)
            return left + dt.timedelta(days=int(right.seconds // 86400))
    if isinstance(left, dt.time) and isinstance(right, DayTimeDuration):
        moment = dt.datetime.combine(dt.date(2000, 1, 1), left) + _delta(right)
        return moment.timetz()
    return None


def subtract(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return DECIMAL.subtract(to_decimal(left), to_decimal(right))
    if isinstance(right, DayTimeDuration):
        return add(left, DayTimeDuration(-right.seconds))
    if isinstance(right, YearMonthDuration):
        return add(left, YearMonthDuration(-right.months))
    if isinstance(left, dt.date) and isinstance(right, dt.date):
        seconds = _seconds_between(left, right)
        return None if seconds is None else DayTimeDuration(seconds)
    return None


def multiply(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return DECIMAL.multiply(to_decimal(left), to_decimal(right))
    if is_number(left) and isinstance(right, (DayTimeDuration, YearMonthDuration)):
        left, right = right, left
    if isinstance(left, DayTimeDuration) and is_number(right):
        return DayTimeDuration(DECIMAL.multiply(left.seconds, to_decimal(right)))
    if isinstance(left, YearMonthDuration) and is_number(right):
        return YearMonthDuration(int(left.months * to_decimal(right)))
    return None


def divide(left: Any, right: Any) -> Any:
    try:
        if is_number(left) and is_number(right):
            divisor = to_decimal(right)
            return None if divisor == 0 else DECIMAL.divide(to_decimal(left), divisor)
        if isinstance(left, DayTimeDuration) and is_number(right) and right != 0:
            return DayTimeDuration(DECIMAL.divide(left.seconds, to_decimal(right)))
        if isinstance(left, DayTimeDuration) and isinstance(right, DayTimeDuration):
            return None if right.seconds == 0 else DECIMAL.divide(left.seconds, right.seconds)
        if isinstance(left, YearMonthDuration) and isinstance(right, YearMonthDuration):
            return None if right.months == 0 else DECIMAL.divide(left.months, right.months)
    except InvalidOperation:
        return None
    return None


def power(left: Any, right: Any) -> Any:
    if not (is_number(left) and is_number(right)):
        return None
    try:
        base, exponent = to_decimal(left), to_decimal(right)
        if exponent == exponent.to_integral_value() and abs(exponent) < 10000:
            return DECIMAL.power(base, int(exponent))
        return DECIMAL.power(base, exponent)
    except (InvalidOperation, ZeroDivisionError, OverflowError):
        return None


def negate(value: Any) -> Any:
    if is_number(value):
        return DECIMAL.minus(to_decimal(value))
    if isinstance(value, DayTimeDuration):
        return DayTimeDuration(-value.seconds)
    if isinstance(value, YearMonthDuration):
        return YearMonthDuration(-value.months)
    return None


OPERATORS = {"+": add, "-": subtract, "*": multiply, "/": divide, "**": power}
