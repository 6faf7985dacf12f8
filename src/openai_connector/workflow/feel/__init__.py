"""FEEL (Friendly Enough Expression Language), the subset Camunda 8 connector users write.

``compile_expression(text)`` parses once, at load time, and fails there (naming the expression
and the position) for a syntax error, an unknown function or arguments that fit no signature;
``Expression.evaluate(variables)`` returns plain JSON-like values (integral numbers as ``int``,
durations and dates as ISO text). FEEL's null semantics hold at run time: a type mismatch is
null, not an exception. ``compile_mapping(value)`` reads a Zeebe mapping value: ``=expr`` is
an expression, anything else a string literal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .builtins import BUILTINS, PHRASES
from .errors import (
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    FeelUnknownFunction,
    SyntaxProblem,
)
from .evaluator import Compiled, compile_node
from .parser import parse
from .scope import Scope
from .values import to_plain

__all__ = [
    "BUILTINS",
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelSyntaxError",
    "FeelUnknownFunction",
    "compile_expression",
    "compile_mapping",
]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Expression:
    """A compiled FEEL expression; ``evaluate`` may be called any number of times."""

    __slots__ = ("_run", "text")

    def __init__(self, text: str, run: Compiled) -> None:
        self.text = text
        self._run = run

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(
        self, variables: Mapping[str, Any], *, clock: Callable[[], dt.datetime] = _utc_now
    ) -> Any:
        """The value for ``variables``, as plain Python (None, bool, int, float, str, list, dict).

        ``clock`` gives ``now()`` and ``today()`` (injected in tests).
        """
        try:
            value = self._run(Scope(variables, None, clock))
        except RecursionError:
            raise FeelEvaluationError(
                "nested too deeply to evaluate", expression=self.text
            ) from None
        return to_plain(value)


def compile_expression(text: str) -> Expression:
    """Parse and check ``text`` (without a leading ``=``); raise :class:`FeelError` if invalid."""
    try:
        return Expression(text, compile_node(parse(text, PHRASES)))
    except SyntaxProblem as problem:
        kind = FeelUnknownFunction if problem.unknown_function else FeelSyntaxError
        hint = (
            "see the FEEL built-in functions this connector supports"
            if problem.unknown_function
            else None
        )
        raise kind(problem.problem, expression=text, position=problem.position, hint=hint) from None
    except RecursionError:
        raise FeelSyntaxError("nested too deeply", expression=text) from None


class _Constant(Expression):
    __slots__ = ("_value",)

    def __init__(self, text: str) -> None:
        super().__init__(text, lambda scope: text)
        self._value = text

    def evaluate(
        self, variables: Mapping[str, Any], *, clock: Callable[[], dt.datetime] = _utc_now
    ) -> Any:
        return self._value


def compile_mapping(value: str) -> Expression:
    """A Zeebe mapping value: ``=expr`` is a FEEL expression, anything else a string literal."""
    if value.startswith("="):
        return compile_expression(value[1:])
    return _Constant(value)
