"""Result expressions: process variables taken from a result's envelope.

``result_variable`` puts the whole envelope under one name; ``result_expression`` is a
JMESPath expression over the envelope that returns a mapping, for example::

    {answer: body.choices[0].message.content, tokens: body.usage.total_tokens}

The envelope is offered both bare (``body.x``) and as ``response`` (``response.body.x``, as
Camunda's connectors write it); a leading ``=`` (FEEL style) is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput
from .result import Result


@dataclass(frozen=True)
class ResultMapping:
    result_variable: str | None = None
    result_expression: str | None = None
    _compiled: Any = None

    @classmethod
    def compile(
        cls, *, result_variable: str | None = None, result_expression: str | None = None
    ) -> ResultMapping:
        """Check the expression now, so a mistake shows at definition time."""
        import jmespath
        from jmespath.exceptions import JMESPathError

        compiled = None
        if result_expression:
            text = result_expression.strip().removeprefix("=").strip()
            try:
                compiled = jmespath.compile(text)
            except JMESPathError as exc:
                raise InvalidInput(
                    f"result_expression: not a valid JMESPath expression: {exc}",
                    field="result_expression",
                    hint="e.g. {answer: body.choices[0].message.content}",
                ) from None
        if result_variable is not None and not result_variable.isidentifier():
            raise InvalidInput(
                f"result_variable: {result_variable!r} is not a variable name",
                field="result_variable",
            )
        return cls(result_variable, result_expression, compiled)

    def apply(self, result: Result) -> dict[str, Any]:
        """The process variables for a result."""
        envelope = result.envelope()
        variables: dict[str, Any] = {}
        if self.result_variable:
            variables[self.result_variable] = envelope
        if self._compiled is not None:
            value = self._compiled.search({**envelope, "response": envelope})
            if not isinstance(value, dict):
                raise InvalidInput(
                    "result_expression: must give a mapping of variable names to values, "
                    f"got {type(value).__name__}",
                    field="result_expression",
                    hint="wrap it in braces: {name: expression}",
                )
            variables.update(value)
        return variables
