"""FEEL's tests of one value: comparison operators, ranges, unary tests, ``instance of``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .values import Range, feel_compare, feel_equal, type_name


def comparison(operator: str) -> Callable[[Any, Any], bool | None]:
    if operator == "=":
        return feel_equal
    if operator == "!=":

        def different(a: Any, b: Any) -> bool | None:
            same = feel_equal(a, b)
            return None if same is None else not same

        return different
    wanted = {"<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (1, 0)}[operator]

    def ordered(a: Any, b: Any) -> bool | None:
        order = feel_compare(a, b)
        return None if order is None else order in wanted

    return ordered


def in_range(value: Any, bounds: Range) -> bool | None:
    """Whether ``value`` lies in ``bounds``; null when a bound or the value is not comparable."""
    low, high = feel_compare(value, bounds.low), feel_compare(value, bounds.high)
    if low is None or high is None:
        return None
    if low < 0 or (low == 0 and not bounds.low_closed):
        return False
    return not (high > 0 or (high == 0 and not bounds.high_closed))


def satisfies(subject: Any, allowed: Any) -> bool | None:
    """``subject in allowed``: a range, a list of values, or one value."""
    if isinstance(allowed, Range):
        return in_range(subject, allowed)
    if isinstance(allowed, list):
        if any(feel_equal(subject, item) is True for item in allowed):
            return True
        return isinstance(subject, list) and feel_equal(subject, allowed) is True
    return feel_equal(subject, allowed)


_TYPE_NAMES = {"Any": None, "Null": "null"}


def is_instance(value: Any, wanted: str) -> bool:
    """``value instance of wanted``; ``Any`` is every value but null."""
    expected = _TYPE_NAMES.get(wanted, wanted)
    if expected is None:
        return value is not None
    return type_name(value) == expected
