"""FEEL errors: every one names the expression and, where known, the position in it.

::

    UserError
    └── FeelError                   feel_error
        ├── FeelSyntaxError         feel_syntax_error      (load time)
        ├── FeelUnknownFunction     feel_unknown_function  (load time)
        └── FeelEvaluationError     feel_evaluation_error  (run time, where FEEL has no null)

Run-time type mismatches are not errors: FEEL gives ``null`` for them, and so do we.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...errors import UserError


class FeelError(UserError):
    """A FEEL expression that cannot be compiled or evaluated."""

    code: ClassVar[str] = "feel_error"

    def __init__(
        self, problem: str, *, expression: str, position: int | None = None, hint: str | None = None
    ) -> None:
        where = f" at position {position + 1}" if position is not None else ""
        super().__init__(f"FEEL expression {expression!r}: {problem}{where}", hint=hint)
        self.problem = problem
        self.expression = expression
        self.position = position

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["expression"] = self.expression
        data["position"] = None if self.position is None else self.position + 1
        return data


class FeelSyntaxError(FeelError):
    code: ClassVar[str] = "feel_syntax_error"


class FeelUnknownFunction(FeelError):
    code: ClassVar[str] = "feel_unknown_function"


class FeelEvaluationError(FeelError):
    code: ClassVar[str] = "feel_evaluation_error"


class SyntaxProblem(Exception):
    """Raised inside the lexer and parser; turned into a :class:`FeelError` with the text."""

    def __init__(self, problem: str, position: int, *, unknown_function: bool = False) -> None:
        super().__init__(problem)
        self.problem = problem
        self.position = position
        self.unknown_function = unknown_function
