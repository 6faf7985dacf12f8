"""The FEEL value model on Python types, and the conversions at its edges.

null ``None``; boolean ``bool``; number :class:`~decimal.Decimal` (34 digits, like FEEL's
DECIMAL128; ``int`` and ``float`` from process variables are accepted wherever a number is);
string ``str``; list ``list``; context ``dict[str, Any]``; date ``datetime.date``; date and
time ``datetime.datetime``; time ``datetime.time``; days-and-time duration
:class:`DayTimeDuration`; years-and-months duration :class:`YearMonthDuration`; ranges
:class:`Range`; functions :class:`FeelFunction`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

DECIMAL = Context(prec=34, rounding=ROUND_HALF_EVEN)


def is_number(value: Any) -> bool:
    """A FEEL number: Decimal, int or a finite float (NaN and infinities are not numbers)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


def to_decimal(value: Any) -> Decimal:
    """A number as a Decimal (``float`` through its shortest repr, so 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def number_or_none(value: Any) -> Decimal | None:
    if is_number(value):
        try:
            return to_decimal(value)
        except (InvalidOperation, ValueError):  # nan, inf
            return None
    return None


@dataclass(frozen=True, slots=True)
class DayTimeDuration:
    """A days-and-time duration: a signed count of seconds."""

    seconds: Decimal

    def iso(self) -> str:
        total = self.seconds
        sign = "-" if total < 0 else ""
        total = abs(total)
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{sign}P"
        if days:
            text += f"{int(days)}D"
        time = ""
        if hours:
            time += f"{int(hours)}H"
        if minutes:
            time += f"{int(minutes)}M"
        if seconds:
            time += f"{_plain(seconds)}S"
        if time:
            text += "T" + time
        return text if text not in ("P", "-P") else "PT0S"


@dataclass(frozen=True, slots=True)
class YearMonthDuration:
    """A years-and-months duration: a signed count of months."""

    months: int

    def iso(self) -> str:
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        text = f"{sign}P"
        if years:
            text += f"{years}Y"
        if months or not years:
            text += f"{months}M"
        return text


@dataclass(frozen=True, slots=True)
class Range:
    """An interval such as ``[1..10)``."""

    low: Any
    high: Any
    low_closed: bool
    high_closed: bool


@dataclass(frozen=True, slots=True)
class FeelFunction:
    """A function value (a ``function(a, b) body`` literal)."""

    parameters: tuple[str, ...]
    call: Callable[[list[Any]], Any]


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


_DURATION = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(text: str) -> DayTimeDuration | YearMonthDuration | None:
    match = _DURATION.fullmatch(text)
    if not match or text.endswith(("P", "T")):
        return None
    sign, years, months, weeks, days, hours, minutes, seconds = match.groups()
    factor = -1 if sign else 1
    if (years or months) and not (weeks or days or hours or minutes or seconds):
        return YearMonthDuration(factor * (int(years or 0) * 12 + int(months or 0)))
    if years or months:
        return None
    total = (
        Decimal(int(weeks or 0) * 7 * 86400 + int(days or 0) * 86400)
        + Decimal(int(hours or 0) * 3600 + int(minutes or 0) * 60)
        + Decimal(seconds or 0)
    )
    return DayTimeDuration(factor * total)


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_time(text: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_date_time(text: str) -> dt.datetime | None:
    zone = None
    if "@" in text:
        text, zone = text.split("@", 1)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if zone is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            value = value.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return value


def parse_temporal(text: str) -> Any:
    """The value of an ``@"..."`` literal, or None when the text is none of FEEL's forms."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text:
        return parse_date_time(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "context"
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, DayTimeDuration):
        return "days and time duration"
    if isinstance(value, YearMonthDuration):
        return "years and months duration"
    if isinstance(value, Range):
        return "range"
    if isinstance(value, FeelFunction):
        return "function"
    return "any"


def to_plain(value: Any) -> Any:
    """A FEEL value as JSON-like Python: integral numbers as int, temporals as ISO text."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value() and value.adjusted() < 300:
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (DayTimeDuration, YearMonthDuration)):
        return value.iso()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return None


def feel_equal(left: Any, right: Any) -> bool | None:
    """FEEL ``=``: ``None`` (null) when the two values cannot be compared."""
    if left is None or right is None:
        return left is None and right is None
    if is_number(left) and is_number(right):
        return to_decimal(left) == to_decimal(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return False
        for a, b in zip(left, right, strict=True):
            same = feel_equal(a, b)
            if same is not True:
                return same
        return True
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        if left.keys() != right.keys():
            return False
        for key in left:
            same = feel_equal(left[key], right[key])
            if same is not True:
                return same
        return True
    if type_name(left) != type_name(right):
        return None
    return bool(left == right)


def feel_compare(left: Any, right: Any) -> int | None:
    """-1, 0 or 1 for two ordered values of one type; ``None`` when FEEL has no order."""
    if is_number(left) and is_number(right):
        a: Any = to_decimal(left)
        b: Any = to_decimal(right)
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right
    elif isinstance(left, DayTimeDuration) and isinstance(right, DayTimeDuration):
        a, b = left.seconds, right.seconds
    elif isinstance(left, YearMonthDuration) and isinstance(right, YearMonthDuration):
        a, b = left.months, right.months
    elif isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        if (left.tzinfo is None) != (right.tzinfo is None):
            return None
        a, b = left, right
    elif (
        isinstance(left, dt.date)
        and isinstance(right, dt.date)
        and not isinstance(left, dt.datetime)
        and not isinstance(right, dt.datetime)
    ) or (isinstance(left, dt.time) and isinstance(right, dt.time)):
        a, b = left, right
    else:
        return None
    return -1 if a < b else (1 if a > b else 0)
