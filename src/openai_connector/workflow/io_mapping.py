"""Zeebe input/output mappings, and where secret references may and may not come from.

Inputs are evaluated in order over the process variables (each later input sees the earlier
ones) and become the job's local variables; a target ``a.b`` builds nested contexts. Outputs
are evaluated over the job's result (and the variables) and are what reaches the process.

Secrets: ``{{secrets.NAME}}`` written *in the BPMN file* (a template-authored value) is
replaced from the engine's secret store before FEEL evaluation; inside an ``=expression`` the
value is inserted as the content of the FEEL string literal it sits in. After evaluation no
value should still hold a reference, so one that does came from a process variable, and
:func:`refuse_secret_references` stops it before it can reach the connector (whose own
resolver would otherwise look it up).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from ..errors import UserError
from ..secrets import SECRET_REFERENCE, Redactor, SecretStore
from .definition import ExpressionCache
from .definition import Mapping as IoMapping

Clock = Callable[[], dt.datetime]
REFERENCE_START = re.compile(r"\{\{\s*secrets\.", re.IGNORECASE)


class SecretInVariable(UserError):
    """A value derived from process variables holds a ``{{secrets.NAME}}`` reference."""

    code = "secret_reference_in_variable"


def _feel_string_content(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def resolve_template_secrets(text: str, store: SecretStore, redactor: Redactor) -> str:
    """``text`` (a mapping source from the BPMN file) with its secret references replaced."""
    if "{{" not in text:
        return text
    feel = text.startswith("=")

    def substitute(match: re.Match[str]) -> str:
        value = store.lookup(match.group(1))
        redactor.add(value)
        return _feel_string_content(value) if feel else value

    return SECRET_REFERENCE.sub(substitute, text)


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """``target[a][b] = value`` for ``path`` ``a.b``, creating contexts on the way."""
    *parents, last = path.split(".")
    node = target
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child
    node[last] = value


def evaluate_inputs(
    mappings: Iterable[IoMapping],
    variables: Mapping[str, Any],
    cache: ExpressionCache,
    *,
    store: SecretStore,
    redactor: Redactor,
    clock: Clock,
) -> dict[str, Any]:
    """The job's local variables from its ``zeebe:input`` mappings."""
    local: dict[str, Any] = {}
    scope = dict(variables)
    for mapping in mappings:
        source = resolve_template_secrets(mapping.source, store, redactor)
        value = cache.mapping(source).evaluate(scope, clock=clock)
        set_path(local, mapping.target, value)
        set_path(scope, mapping.target, value)
    return local


def evaluate_outputs(
    mappings: Iterable[IoMapping], scope: Mapping[str, Any], cache: ExpressionCache, clock: Clock
) -> dict[str, Any]:
    """The variables the job's ``zeebe:output`` mappings give the process."""
    result: dict[str, Any] = {}
    for mapping in mappings:
        set_path(result, mapping.target, cache.mapping(mapping.source).evaluate(scope, clock=clock))
    return result


def first_secret_reference(value: Any, path: str = "") -> str | None:
    """The path of the first string in ``value`` that holds ``{{secrets.``, else None."""
    if isinstance(value, str):
        return path or "(value)" if REFERENCE_START.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_secret_reference(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_secret_reference(item, f"{path}[{index + 1}]")
            if found:
                return found
    return None


def _may_hold_reference(values: Any) -> bool:
    """False when no string in ``values`` holds ``{{`` (one orjson pass instead of a walk of
    a whole request body: JSON escapes no brace, and ``{{`` is no JSON syntax)."""
    try:
        return b"{{" in orjson.dumps(values, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a value orjson does not write: walk
        return True


def refuse_secret_references(values: Any, element: str, path: str = "") -> None:
    """Raise SecretInVariable when a variable-derived value holds a secret reference."""
    if not _may_hold_reference(values):
        return
    where = first_secret_reference(values, path)
    if where is not None:
        raise SecretInVariable(
            f"element {element!r}: {where} holds a {{{{secrets.…}}}} reference that came from "
            "process variables; it is not resolved",
            hint="write secret references in the BPMN file (the template's fields), not in "
            "process variables",
        )
