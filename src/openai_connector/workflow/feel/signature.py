"""A built-in function's name, parameters and implementation, and binding call arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Builtin:
    """``parameters``: names as Camunda documents them; ``?`` marks optional, ``...`` variadic.

    ``impl`` receives the arguments positionally (absent optional ones are not passed) and
    returns a FEEL value; a wrong argument type gives ``None`` (FEEL's null).
    ``clock``: the implementation takes the evaluation's clock as its first argument.
    """

    name: str
    parameters: tuple[str, ...]
    impl: Callable[..., Any]
    clock: bool = False

    @property
    def names(self) -> list[str]:
        return [p.rstrip("?.") for p in self.parameters]

    @property
    def required(self) -> int:
        return sum(1 for p in self.parameters if not p.endswith("?"))

    @property
    def variadic(self) -> bool:
        return bool(self.parameters) and self.parameters[-1].endswith("...")


def bind(builtin: Builtin, positional: int, named: list[str]) -> list[int | str | None] | str:
    """Where each argument goes: positional indexes / parameter names in parameter order, and
    ``None`` for an optional parameter that named arguments skip (it takes its default).

    Returns a problem description (str) when the arguments do not fit the signature.
    """
    names = builtin.names
    signature = f"{builtin.name}({', '.join(builtin.parameters)})"
    if named:
        unknown = [key for key in named if key not in names]
        if unknown:
            return f"{builtin.name}() has no parameter {unknown[0]!r}; it takes {signature}"
        order: list[int | str | None] = []
        for index, name in enumerate(names):
            if name in named:
                order.append(name)
            elif index >= builtin.required:
                order.append(None)
            else:
                return f"{builtin.name}() misses parameter {name!r}; it takes {signature}"
        while order and order[-1] is None:
            order.pop()
        return order
    if positional < builtin.required or (not builtin.variadic and positional > len(names)):
        return f"{builtin.name}() takes {signature}, not {positional} argument(s)"
    return list(range(positional))


def default_of(builtin: Builtin, index: int) -> Any:
    """The implementation's default for parameter ``index`` (an optional one)."""
    parameters = list(inspect.signature(builtin.impl).parameters.values())
    if builtin.clock:
        parameters = parameters[1:]
    return parameters[index].default
