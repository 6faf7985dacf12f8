"""Name lookup during evaluation: a chain of mappings, innermost first, and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

MISSING: Any = object()  # a name that is not bound at all (``is defined`` tells it from null)

Clock = Callable[[], dt.datetime]


class Scope:
    __slots__ = ("clock", "parent", "values")

    def __init__(self, values: Mapping[str, Any], parent: Scope | None, clock: Clock) -> None:
        self.values = values
        self.parent = parent
        self.clock = clock

    def child(self, values: Mapping[str, Any]) -> Scope:
        return Scope(values, self, self.clock)

    def lookup(self, name: str) -> Any:
        """The bound value, or :data:`MISSING`."""
        scope: Scope | None = self
        while scope is not None:
            value = scope.values.get(name, MISSING)
            if value is not MISSING:
                return value
            scope = scope.parent
        return MISSING


class ItemValues(Mapping[str, Any]):
    """The names inside a filter: ``item`` and, for a context item, its entries."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item

    def get(self, key: str, default: Any = None) -> Any:
        if key == "item":
            return self.item
        if isinstance(self.item, Mapping):
            return self.item.get(key, default)
        return default

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, MISSING)
        if value is MISSING:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        yield "item"
        if isinstance(self.item, Mapping):
            yield from self.item

    def __len__(self) -> int:
        return 1 + (len(self.item) if isinstance(self.item, Mapping) else 0)
