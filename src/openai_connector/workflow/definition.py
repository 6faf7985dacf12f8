"""What a Camunda 8 job task asks for, read from its ``zeebe:`` extension elements.

A service task's ``zeebe:taskDefinition`` (type, retries), ``zeebe:ioMapping`` (inputs and
outputs) and ``zeebe:taskHeaders``, and a script task's ``zeebe:script`` (expression and
result variable), become one :class:`JobSpec`. It is kept on the SpiffWorkflow task spec as
plain JSON (``extensions``), so a saved process carries it; its FEEL expressions are compiled
once per process and cached by text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError
from .feel import Expression, FeelError, compile_mapping

ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SCRIPT_TASK_TYPE = "zeebe:script"
"""The job type the engine gives a script task with a ``zeebe:script`` expression."""
DEFAULT_RETRIES = 3
"""Zeebe's default for ``zeebe:taskDefinition retries``."""


class ProcessLoadError(UserError):
    """A BPMN file the engine cannot run; the message names the element and why."""

    code = "process_load_error"

    def __init__(self, message: str, *, element: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.element = element

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["element"] = self.element
        return data


@dataclass(frozen=True, slots=True)
class Mapping:
    """One ``zeebe:input`` or ``zeebe:output``: a FEEL/literal source and a target path."""

    source: str
    target: str

    def to_list(self) -> list[str]:
        return [self.source, self.target]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything Camunda attaches to a job: type, retries, mappings, headers."""

    element: str
    type: str
    retries: int = DEFAULT_RETRIES
    input_mappings: tuple[Mapping, ...] = ()
    output_mappings: tuple[Mapping, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "element": self.element,
            "type": self.type,
            "retries": self.retries,
            "input_mappings": [m.to_list() for m in self.input_mappings],
            "output_mappings": [m.to_list() for m in self.output_mappings],
            "headers": dict(self.headers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        return cls(
            element=data["element"],
            type=data["type"],
            retries=int(data["retries"]),
            input_mappings=tuple(Mapping(s, t) for s, t in data["input_mappings"]),
            output_mappings=tuple(Mapping(s, t) for s, t in data["output_mappings"]),
            headers=dict(data["headers"]),
        )

    def expressions(self) -> list[tuple[str, str]]:
        """(where, FEEL text with its '=') of every expression, for the load-time check."""
        found = [(f"input {m.target}", m.source) for m in self.input_mappings]
        found += [(f"output {m.target}", m.source) for m in self.output_mappings]
        for name in ("resultExpression", "errorExpression", "script"):
            value = self.headers.get(name)
            if value is not None:
                found.append((f"header {name}", value))
        return [(where, text) for where, text in found if text.startswith("=")]


class ExpressionCache:
    """Compiled FEEL by text: each distinct expression is parsed once per engine."""

    __slots__ = ("_compiled",)

    def __init__(self) -> None:
        self._compiled: dict[str, Expression] = {}

    def mapping(self, text: str) -> Expression:
        """A Zeebe mapping value (``=expr`` or a literal)."""
        compiled = self._compiled.get(text)
        if compiled is None:
            compiled = self._compiled[text] = compile_mapping(text)
        return compiled

    def expression(self, text: str) -> Expression:
        """A FEEL expression with or without its leading ``=``."""
        return self.mapping(text if text.startswith("=") else "=" + text)


def check_expression(cache: ExpressionCache, element: str, where: str, text: str) -> None:
    """Compile ``text`` now; a bad one fails the load naming the element and the place."""
    try:
        cache.mapping(text)
    except FeelError as exc:
        raise ProcessLoadError(
            f"element {element!r}: {where}: {exc.message}", element=element, hint=exc.hint
        ) from None
