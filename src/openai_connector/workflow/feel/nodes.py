"""The FEEL syntax tree the parser builds and the compiler turns into Python closures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Node:
    position: int


@dataclass(slots=True)
class Literal(Node):
    value: Any


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class Path(Node):
    base: Node
    name: str


@dataclass(slots=True)
class Filter(Node):
    base: Node
    condition: Node


@dataclass(slots=True)
class Call(Node):
    name: str
    arguments: list[Node]
    named: dict[str, Node] | None = None


@dataclass(slots=True)
class Negation(Node):
    operand: Node


@dataclass(slots=True)
class Binary(Node):
    operator: str  # + - * / ** = != < <= > >= and or
    left: Node
    right: Node


@dataclass(slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


@dataclass(slots=True)
class UnaryTest(Node):
    operator: str  # < <= > >= = !=
    operand: Node


@dataclass(slots=True)
class In(Node):
    value: Node
    tests: list[Node]  # UnaryTest, or an expression (a list, a range or a value)


@dataclass(slots=True)
class InstanceOf(Node):
    value: Node
    type_name: str


@dataclass(slots=True)
class Iteration(Node):
    """``for``/``some``/``every``: ``kind`` says which; ``bindings`` are ``(name, source)``."""

    kind: str
    bindings: list[tuple[str, Node]]
    body: Node


@dataclass(slots=True)
class ListNode(Node):
    items: list[Node]


@dataclass(slots=True)
class ContextNode(Node):
    entries: list[tuple[str, Node]]


@dataclass(slots=True)
class RangeNode(Node):
    low: Node
    high: Node
    low_closed: bool
    high_closed: bool


@dataclass(slots=True)
class FunctionDefinition(Node):
    parameters: list[str]
    body: Node
    free: set[str] = field(default_factory=set)
