"""List functions: list contains, count, min, max, sum, product, mean, median, stddev, mode,
all/and, any/or, sublist, append, concatenate, insert before, remove, reverse, index of,
union, distinct values, duplicate values, flatten, sort, is empty."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cmp_to_key
from typing import Any

from .signature import Builtin
from .values import DECIMAL, FeelFunction, feel_compare, feel_equal, number_or_none


def _items(args: tuple[Any, ...]) -> list[Any] | None:
    """The values of a function that takes a list or the values themselves (min(1, 2))."""
    if len(args) == 1:
        return args[0] if isinstance(args[0], list) else None
    return list(args)


def _numbers(args: tuple[Any, ...]) -> list[Decimal] | None:
    items = _items(args)
    if not items:
        return None
    numbers = [number_or_none(item) for item in items]
    return None if any(number is None for number in numbers) else numbers  # type: ignore[return-value]


def _contains(items: Any, element: Any) -> bool | None:
    if not isinstance(items, list):
        return None
    return any(feel_equal(item, element) is True for item in items)


def _count(items: Any) -> int | None:
    return len(items) if isinstance(items, list) else None


def _extreme(sign: int) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        items = _items(args)
        if not items:
            return None
        best = items[0]
        for item in items[1:]:
            order = feel_compare(item, best)
            if order is None:
                return None
            if order == sign:
                best = item
        return best if feel_compare(best, best) is not None else None

    return run


def _sum(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    if numbers is None:
        return None
    total = Decimal(0)
    for number in numbers:
        total = DECIMAL.add(total, number)
    return total


def _product(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    if numbers is None:
        return None
    total = Decimal(1)
    for number in numbers:
        total = DECIMAL.multiply(total, number)
    return total


def _mean(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    total = _sum(*args)
    return None if numbers is None or total is None else DECIMAL.divide(total, len(numbers))


def _median(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    if numbers is None:
        return None
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return DECIMAL.divide(DECIMAL.add(ordered[middle - 1], ordered[middle]), 2)


def _stddev(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    mean = _mean(*args)
    if numbers is None or mean is None or len(numbers) < 2:
        return None
    squares = sum((DECIMAL.power(number - mean, 2) for number in numbers), Decimal(0))
    return DECIMAL.sqrt(DECIMAL.divide(squares, len(numbers) - 1))


def _mode(*args: Any) -> list[Decimal] | None:
    numbers = _numbers(args)
    if numbers is None:
        return [] if _items(args) == [] else None
    counts: dict[Decimal, int] = {}
    for number in numbers:
        counts[number] = counts.get(number, 0) + 1
    most = max(counts.values())
    return sorted(number for number, count in counts.items() if count == most)


def _all(*args: Any) -> bool | None:
    items = _items(args)
    if items is None:
        return None
    if any(item is False for item in items):
        return False
    return True if all(item is True for item in items) else None


def _any(*args: Any) -> bool | None:
    items = _items(args)
    if items is None:
        return None
    if any(item is True for item in items):
        return True
    return False if all(item is False for item in items) else None


def _position(items: list[Any], position: Any, *, insert: bool = False) -> int | None:
    number = number_or_none(position)
    if number is None or number != int(number) or number == 0:
        return None
    index = int(number)
    size = len(items) + (1 if insert else 0)
    if abs(index) > size:
        return None
    return index - 1 if index > 0 else len(items) + index


def _sublist(items: Any, start: Any, length: Any = None) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    index = _position(items, start)
    if index is None:
        return None
    if length is None:
        return items[index:]
    size = number_or_none(length)
    if size is None or size < 0 or size != int(size):
        return None
    return items[index : index + int(size)]


def _append(items: Any, *new: Any) -> list[Any] | None:
    return [*items, *new] if isinstance(items, list) else None


def _concatenate(*lists: Any) -> list[Any] | None:
    result: list[Any] = []
    for items in lists:
        if not isinstance(items, list):
            return None
        result.extend(items)
    return result


def _insert(items: Any, position: Any, new: Any) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    index = _position(items, position, insert=True)
    return None if index is None else [*items[:index], new, *items[index:]]


def _remove(items: Any, position: Any) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    index = _position(items, position)
    return None if index is None else [*items[:index], *items[index + 1 :]]


def _reverse(items: Any) -> list[Any] | None:
    return items[::-1] if isinstance(items, list) else None


def _index_of(items: Any, match: Any) -> list[int] | None:
    if not isinstance(items, list):
        return None
    return [i + 1 for i, item in enumerate(items) if feel_equal(item, match) is True]


def _distinct(items: Any) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    result: list[Any] = []
    for item in items:
        if not any(feel_equal(item, seen) is True for seen in result):
            result.append(item)
    return result


def _union(*lists: Any) -> list[Any] | None:
    return _distinct(_concatenate(*lists))


def _duplicates(items: Any) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    result: list[Any] = []
    for i, item in enumerate(items):
        repeated = any(feel_equal(item, other) is True for other in items[i + 1 :])
        if repeated and not any(feel_equal(item, seen) is True for seen in result):
            result.append(item)
    return result


def _flatten(items: Any) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    result: list[Any] = []
    for item in items:
        result.extend(_flatten(item) or [] if isinstance(item, list) else [item])
    return result


def _sort(items: Any, precedes: Any = None) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    if precedes is None:
        if any(feel_compare(item, items[0]) is None for item in items):
            return None
        return sorted(items, key=cmp_to_key(lambda a, b: feel_compare(a, b) or 0))
    if not isinstance(precedes, FeelFunction) or len(precedes.parameters) != 2:
        return None
    function = precedes

    def order(a: Any, b: Any) -> int:
        if function.call([a, b]) is True:
            return -1
        return 1 if function.call([b, a]) is True else 0

    return sorted(items, key=cmp_to_key(order))


def _is_empty(items: Any) -> bool | None:
    return not items if isinstance(items, list) else None


FUNCTIONS = [
    Builtin("list contains", ("list", "element"), _contains),
    Builtin("count", ("list",), _count),
    Builtin("min", ("list...",), _extreme(-1)),
    Builtin("max", ("list...",), _extreme(1)),
    Builtin("sum", ("list...",), _sum),
    Builtin("product", ("list...",), _product),
    Builtin("mean", ("list...",), _mean),
    Builtin("median", ("list...",), _median),
    Builtin("stddev", ("list...",), _stddev),
    Builtin("mode", ("list...",), _mode),
    Builtin("all", ("list...",), _all),
    Builtin("and", ("list...",), _all),
    Builtin("any", ("list...",), _any),
    Builtin("or", ("list...",), _any),
    Builtin("sublist", ("list", "start position", "length?"), _sublist),
    Builtin("append", ("list", "items..."), _append),
    Builtin("concatenate", ("lists...",), _concatenate),
    Builtin("insert before", ("list", "position", "newItem"), _insert),
    Builtin("remove", ("list", "position"), _remove),
    Builtin("reverse", ("list",), _reverse),
    Builtin("index of", ("list", "match"), _index_of),
    Builtin("union", ("lists...",), _union),
    Builtin("distinct values", ("list",), _distinct),
    Builtin("duplicate values", ("list",), _duplicates),
    Builtin("flatten", ("list",), _flatten),
    Builtin("sort", ("list", "precedes?"), _sort),
    Builtin("is empty", ("list",), _is_empty),
]
