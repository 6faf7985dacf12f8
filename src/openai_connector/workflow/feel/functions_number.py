"""Number and conversion functions: decimal, floor, ceiling, round *, abs, modulo, sqrt, log,
exp, odd, even, number, string."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

from .signature import Builtin
from .values import (
    DECIMAL,
    DayTimeDuration,
    FeelFunction,
    Range,
    YearMonthDuration,
    is_number,
    number_or_none,
    to_decimal,
)


def _integer(value: Any) -> int | None:
    number = number_or_none(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def _rounder(mode: str, default_scale: int | None) -> Any:
    def run(n: Any, scale: Any = default_scale) -> Decimal | None:
        number, places = number_or_none(n), _integer(scale)
        if number is None or places is None:
            return None
        return number.quantize(Decimal(1).scaleb(-places), rounding=mode, context=DECIMAL)

    return run


_MODES = {
    "UP": ROUND_UP,
    "DOWN": ROUND_DOWN,
    "CEILING": ROUND_CEILING,
    "FLOOR": ROUND_FLOOR,
    "HALF_UP": ROUND_HALF_UP,
    "HALF_DOWN": ROUND_HALF_DOWN,
    "HALF_EVEN": ROUND_HALF_EVEN,
}


def _decimal(n: Any, scale: Any, mode: Any = "HALF_EVEN") -> Decimal | None:
    """decimal(n, scale[, mode]): ``mode`` as Java names it (HALF_EVEN by default)."""
    if not isinstance(mode, str) or mode.upper() not in _MODES:
        return None
    rounded: Decimal | None = _rounder(_MODES[mode.upper()], None)(n, scale)
    return rounded


def _modulo(dividend: Any, divisor: Any) -> Decimal | None:
    a, b = number_or_none(dividend), number_or_none(divisor)
    if a is None or b is None or b == 0:
        return None
    quotient = DECIMAL.divide(a, b).to_integral_value(rounding=ROUND_FLOOR)
    return DECIMAL.subtract(a, DECIMAL.multiply(b, quotient))


def _sqrt(number: Any) -> Decimal | None:
    n = number_or_none(number)
    return None if n is None or n < 0 else DECIMAL.sqrt(n)


def _log(number: Any) -> Decimal | None:
    n = number_or_none(number)
    return None if n is None or n <= 0 else DECIMAL.ln(n)


def _exp(number: Any) -> Decimal | None:
    n = number_or_none(number)
    return None if n is None else DECIMAL.exp(n)


def _abs(n: Any) -> Any:
    if isinstance(n, DayTimeDuration):
        return DayTimeDuration(abs(n.seconds))
    if isinstance(n, YearMonthDuration):
        return YearMonthDuration(abs(n.months))
    number = number_or_none(n)
    return None if number is None else abs(number)


def _parity(remainder: int) -> Any:
    def run(number: Any) -> bool | None:
        n = _integer(number)
        return None if n is None else n % 2 == remainder

    return run


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPING = (" ", ",", ".", "'")
_DECIMAL_SEPARATORS = (".", ",")


def _number(text: Any, grouping: Any = None, decimal: Any = None) -> Decimal | None:
    """number(from[, grouping separator, decimal separator]); a number is returned as it is."""
    if is_number(text):
        return number_or_none(text)
    if not isinstance(text, str):
        return None
    if grouping is not None and grouping not in _GROUPING:
        return None
    if decimal is not None and (decimal not in _DECIMAL_SEPARATORS or decimal == grouping):
        return None
    if grouping is not None:
        text = text.replace(grouping, "")
    if decimal is not None and decimal != ".":
        if "." in text:
            return None
        text = text.replace(decimal, ".")
    text = text.strip()
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    return DECIMAL.plus(Decimal(text))


def format_number(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def to_string(value: Any) -> str | None:
    """string(from): FEEL's text form of any value; null stays null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(to_decimal(value))
    if isinstance(value, (DayTimeDuration, YearMonthDuration)):
        return value.iso()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _nested(value)


def _nested(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_nested(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}:{_nested(item)}" for key, item in value.items()) + "}"
    if isinstance(value, Range):
        low = "(" if not value.low_closed else "["
        high = ")" if not value.high_closed else "]"
        return f"{low}{_nested(value.low)}..{_nested(value.high)}{high}"
    if isinstance(value, FeelFunction):
        return f"function({', '.join(value.parameters)})"
    return to_string(value) or "null"


FUNCTIONS = [
    Builtin("decimal", ("n", "scale", "mode?"), _decimal),
    Builtin("floor", ("n", "scale?"), _rounder(ROUND_FLOOR, 0)),
    Builtin("ceiling", ("n", "scale?"), _rounder(ROUND_CEILING, 0)),
    Builtin("round up", ("n", "scale?"), _rounder(ROUND_UP, 0)),
    Builtin("round down", ("n", "scale?"), _rounder(ROUND_DOWN, 0)),
    Builtin("round half up", ("n", "scale?"), _rounder(ROUND_HALF_UP, 0)),
    Builtin("round half down", ("n", "scale?"), _rounder(ROUND_HALF_DOWN, 0)),
    Builtin("abs", ("n",), _abs),
    Builtin("modulo", ("dividend", "divisor"), _modulo),
    Builtin("sqrt", ("number",), _sqrt),
    Builtin("log", ("number",), _log),
    Builtin("exp", ("number",), _exp),
    Builtin("odd", ("number",), _parity(1)),
    Builtin("even", ("number",), _parity(0)),
    Builtin("number", ("from", "grouping separator?", "decimal separator?"), _number),
    Builtin("string", ("from",), to_string),
]
