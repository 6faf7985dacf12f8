"""The syntax tree to Python closures (``Scope -> value``), built once at load time.

Each node becomes one closure, so evaluating walks no tree and makes no decisions that the
tree already settled (which function a call names, where each argument goes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from . import nodes as n
from .arithmetic import OPERATORS, negate
from .builtins import BUILTINS
from .errors import SyntaxProblem
from .functions_temporal import temporal_property
from .scope import MISSING, ItemValues, Scope
from .signature import Builtin, bind, default_of
from .unary_tests import comparison, in_range, is_instance, satisfies
from .values import FeelFunction, Range, is_number, to_decimal

Compiled = Callable[[Scope], Any]

MAX_RANGE_ITEMS = 1_000_000  # ``for i in 1..n`` with a larger n is null (a memory guard)


def compile_node(node: n.Node, bound: frozenset[str] = frozenset()) -> Compiled:
    """``bound``: names a surrounding context, function or iteration defines (callable ones)."""
    return _COMPILERS[type(node)](node, bound)


def _literal(node: Any, bound: frozenset[str]) -> Compiled:
    value = node.value
    return lambda scope: value


def _name(node: Any, bound: frozenset[str]) -> Compiled:
    name = node.name

    def run(scope: Scope) -> Any:
        value = scope.lookup(name)
        return None if value is MISSING else value

    return run


def path_of(base: Any, name: str) -> Any:
    if isinstance(base, Mapping):
        return base.get(name)
    if isinstance(base, list):
        return [path_of(item, name) for item in base]
    if base is None:
        return None
    return temporal_property(base, name)


def _path(node: Any, bound: frozenset[str]) -> Compiled:
    base, name = compile_node(node.base, bound), node.name
    return lambda scope: path_of(base(scope), name)


def _filter(node: Any, bound: frozenset[str]) -> Compiled:
    """``list[condition]``: when the condition, read outside the items, is a number, it is a
    1-based index (negative from the end); otherwise the items for which it is true, with
    ``item`` and a context item's entries in scope."""
    base = compile_node(node.base, bound)
    condition = compile_node(node.condition, bound | {"item"})

    def run(scope: Scope) -> Any:
        items = base(scope)
        if items is None:
            return None
        if not isinstance(items, list):
            items = [items]
        index = condition(scope)
        if is_number(index):
            number = to_decimal(index)
            if number != number.to_integral_value():
                return None
            position = int(number)
            if position > 0 and position <= len(items):
                return items[position - 1]
            if position < 0 and -position <= len(items):
                return items[position]
            return None
        kept = []
        for item in items:
            keep = condition(scope.child(ItemValues(item)))
            if keep is True:
                kept.append(item)
            elif keep is not False and keep is not None:
                return None  # a filter must be a boolean (or a number, an index)
        return kept

    return run


def _call(node: Any, bound: frozenset[str]) -> Compiled:
    name = node.name
    arguments = [compile_node(argument, bound) for argument in node.arguments]
    if name == "is defined":
        return _is_defined(node, bound)
    builtin = BUILTINS.get(name)
    if name in bound and not (builtin and node.named):
        # a name the expression itself defines (a context entry, a parameter): call it when
        # it holds a function value; otherwise the built-in of that name, if there is one
        if node.named:
            raise SyntaxProblem(f"{name}() takes positional arguments only", node.position)
        fallback = _call_builtin(node, builtin, arguments, bound) if builtin else None

        def call_value(scope: Scope) -> Any:
            function = scope.lookup(name)
            if not isinstance(function, FeelFunction):
                return fallback(scope) if fallback else None
            values = [argument(scope) for argument in arguments]
            if len(values) != len(function.parameters):
                return None
            return function.call(values)

        return call_value
    if builtin is None:
        raise SyntaxProblem(f"unknown function {name}()", node.position, unknown_function=True)
    return _call_builtin(node, builtin, arguments, bound)


def _call_builtin(
    node: Any, builtin: Builtin, arguments: list[Compiled], bound: frozenset[str]
) -> Compiled:
    named = {key: compile_node(value, bound) for key, value in (node.named or {}).items()}
    order = bind(builtin, len(arguments), list(named))
    if isinstance(order, str):
        raise SyntaxProblem(order, node.position)
    sources = [
        arguments[slot]
        if isinstance(slot, int)
        else named[slot]
        if slot is not None
        else _constant(default_of(builtin, index))
        for index, slot in enumerate(order)
    ]
    impl, clock = builtin.impl, builtin.clock
    spread = bool(named) and builtin.variadic and builtin.names[-1] in named

    def run(scope: Scope) -> Any:
        values = [source(scope) for source in sources]
        if spread:
            last = values.pop()
            values.extend(last if isinstance(last, list) else [last])
        try:
            return impl(scope.clock(), *values) if clock else impl(*values)
        except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError):
            return None  # FEEL: a function applied to values it does not take is null

    return run


def _constant(value: Any) -> Compiled:
    return lambda scope: value


def _is_defined(node: Any, bound: frozenset[str]) -> Compiled:
    arguments = list(node.arguments) + list((node.named or {}).values())
    if len(arguments) != 1 or (node.named and "value" not in node.named):
        raise SyntaxProblem("is defined() takes (value), one argument", node.position)
    resolve = _resolver(arguments[0], bound)
    return lambda scope: resolve(scope) is not MISSING


def _resolver(node: n.Node, bound: frozenset[str]) -> Compiled:
    """Like compile_node, but a name or path that does not exist gives MISSING, not null."""
    if isinstance(node, n.Name):
        name = node.name
        return lambda scope: scope.lookup(name)
    if isinstance(node, n.Path):
        base, name = _resolver(node.base, bound), node.name

        def run(scope: Scope) -> Any:
            value = base(scope)
            if isinstance(value, Mapping):
                return value.get(name, MISSING)
            if value is MISSING or value is None:
                return MISSING
            return path_of(value, name)

        return run
    return compile_node(node, bound)


def _negation(node: Any, bound: frozenset[str]) -> Compiled:
    operand = compile_node(node.operand, bound)
    return lambda scope: negate(operand(scope))


def _binary(node: Any, bound: frozenset[str]) -> Compiled:
    left, right, operator = (
        compile_node(node.left, bound),
        compile_node(node.right, bound),
        node.operator,
    )
    if operator == "and":

        def conjunction(scope: Scope) -> Any:
            a = left(scope)
            if a is False:
                return False
            b = right(scope)
            if b is False:
                return False
            return True if a is True and b is True else None

        return conjunction
    if operator == "or":

        def disjunction(scope: Scope) -> Any:
            a = left(scope)
            if a is True:
                return True
            b = right(scope)
            if b is True:
                return True
            return False if a is False and b is False else None

        return disjunction
    if operator in OPERATORS:
        function = OPERATORS[operator]

        def arithmetic(scope: Scope) -> Any:
            try:
                return function(left(scope), right(scope))
            except (ArithmeticError, OverflowError, ValueError):
                return None  # e.g. a result beyond the decimal range

        return arithmetic
    test = comparison(operator)
    return lambda scope: test(left(scope), right(scope))


def _if(node: Any, bound: frozenset[str]) -> Compiled:
    condition = compile_node(node.condition, bound)
    then, otherwise = compile_node(node.then, bound), compile_node(node.otherwise, bound)
    return lambda scope: then(scope) if condition(scope) is True else otherwise(scope)


def _between(node: Any, bound: frozenset[str]) -> Compiled:
    value, low, high = (compile_node(part, bound) for part in (node.value, node.low, node.high))
    return lambda scope: in_range(value(scope), Range(low(scope), high(scope), True, True))


def _in(node: Any, bound: frozenset[str]) -> Compiled:
    value = compile_node(node.value, bound)
    tests: list[Callable[[Scope, Any], bool | None]] = []
    for test in node.tests:
        tests.append(_unary_test(test, bound))

    def run(scope: Scope) -> Any:
        subject = value(scope)
        unknown = False
        for test in tests:
            result = test(scope, subject)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    return run


def _unary_test(test: n.Node, bound: frozenset[str]) -> Callable[[Scope, Any], bool | None]:
    if isinstance(test, n.UnaryTest):
        operand, compare = compile_node(test.operand, bound), comparison(test.operator)
        return lambda scope, subject: compare(subject, operand(scope))
    expected = compile_node(test, bound)
    return lambda scope, subject: satisfies(subject, expected(scope))


def _instance_of(node: Any, bound: frozenset[str]) -> Compiled:
    value, wanted = compile_node(node.value, bound), node.type_name
    return lambda scope: is_instance(value(scope), wanted)


def _iteration(node: Any, bound: frozenset[str]) -> Compiled:
    names: list[str] = []
    sources: list[Compiled] = []
    inner = bound
    for name, source in node.bindings:
        sources.append(compile_node(source, inner))
        names.append(name)
        inner = inner | {name}
    body, kind = compile_node(node.body, inner), node.kind
    with_partial = kind == "for" and _mentions(node.body, "partial")

    def run(scope: Scope) -> Any:
        results: list[Any] = []
        try:
            for bound_scope in _bindings(scope, names, sources, 0):
                inner_scope = (  # with the results so far as FEEL's ``partial``
                    bound_scope.child({"partial": list(results)}) if with_partial else bound_scope
                )
                results.append(body(inner_scope))
        except _NotIterable:
            return None
        if kind == "for":
            return results
        if kind == "some":
            return any(result is True for result in results)
        return all(result is True for result in results)

    return run


def _bindings(scope: Scope, names: list[str], sources: list[Compiled], at: int) -> Any:
    if at == len(names):
        yield scope
        return
    items = _iterable(sources[at](scope))
    if items is None:
        raise _NotIterable
    for item in items:
        yield from _bindings(scope.child({names[at]: item}), names, sources, at + 1)


def _mentions(node: Any, name: str) -> bool:
    """Whether the syntax tree under ``node`` reads the name ``name``."""
    if isinstance(node, n.Name):
        return node.name == name
    if isinstance(node, n.Node):
        return any(_mentions(getattr(node, slot), name) for slot in _fields(node))
    if isinstance(node, (list, tuple)):
        return any(_mentions(item, name) for item in node)
    if isinstance(node, dict):
        return any(_mentions(item, name) for item in node.values())
    return False


def _fields(node: n.Node) -> list[str]:
    return [field.name for field in dataclasses.fields(node)]


class _NotIterable(Exception):
    """An iteration source that is null, or a range too long to walk."""


def _iterable(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, Range) and is_number(value.low) and is_number(value.high):
        low, high = int(value.low), int(value.high)
        if abs(high - low) >= MAX_RANGE_ITEMS:
            return None
        step = 1 if high >= low else -1
        return [Decimal(i) for i in range(low, high + step, step)]
    return None if value is None else [value]


def _list(node: Any, bound: frozenset[str]) -> Compiled:
    items = [compile_node(item, bound) for item in node.items]
    return lambda scope: [item(scope) for item in items]


def _context(node: Any, bound: frozenset[str]) -> Compiled:
    entries: list[tuple[str, Compiled]] = []
    inner = bound
    for key, value in node.entries:
        entries.append((key, compile_node(value, inner)))
        inner = inner | {key}

    def run(scope: Scope) -> Any:
        result: dict[str, Any] = {}
        local = scope.child(result)
        for key, value in entries:
            result[key] = value(local)
        return result

    return run


def _range(node: Any, bound: frozenset[str]) -> Compiled:
    low, high = compile_node(node.low, bound), compile_node(node.high, bound)
    low_closed, high_closed = node.low_closed, node.high_closed
    return lambda scope: Range(low(scope), high(scope), low_closed, high_closed)


def _function(node: Any, bound: frozenset[str]) -> Compiled:
    parameters = tuple(node.parameters)
    body = compile_node(node.body, bound | set(parameters))

    def define(scope: Scope) -> Any:
        def call(values: list[Any]) -> Any:
            return body(scope.child(dict(zip(parameters, values, strict=True))))

        return FeelFunction(parameters, call)

    return define


_COMPILERS: dict[type[n.Node], Callable[[Any, frozenset[str]], Compiled]] = {
    n.Literal: _literal,
    n.Name: _name,
    n.Path: _path,
    n.Filter: _filter,
    n.Call: _call,
    n.Negation: _negation,
    n.Binary: _binary,
    n.If: _if,
    n.Between: _between,
    n.In: _in,
    n.InstanceOf: _instance_of,
    n.Iteration: _iteration,
    n.ListNode: _list,
    n.ContextNode: _context,
    n.RangeNode: _range,
    n.FunctionDefinition: _function,
}
