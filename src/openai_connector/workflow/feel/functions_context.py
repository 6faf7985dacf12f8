"""Context, boolean and connector functions: get value, get entries, context, context put,
context merge, not, get or else, and the connector error functions bpmnError and jobError.

``bpmnError(code, message[, variables])`` and ``jobError(message[, variables[, retries[,
timeout]]])`` return contexts that the engine interprets, as Camunda's connector runtime does:
``{errorType: "bpmnError", code, message, variables}`` and ``{errorType: "jobError", message,
variables, retries, timeout}`` (``variables`` defaults to ``{}``; ``retries`` and ``timeout``
to null, meaning "the task's own retries minus one" and "no backoff" respectively).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .signature import Builtin
from .values import DayTimeDuration, is_number, parse_duration


def _keys(key: Any) -> list[str] | None:
    if isinstance(key, str):
        return [key]
    if isinstance(key, list) and key and all(isinstance(part, str) for part in key):
        return key
    return None


def _get_value(context: Any, key: Any) -> Any:
    path = _keys(key)
    if path is None:
        return None
    value = context
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _get_entries(context: Any) -> list[dict[str, Any]] | None:
    if not isinstance(context, Mapping):
        return None
    return [{"key": key, "value": value} for key, value in context.items()]


def _context(entries: Any) -> dict[str, Any] | None:
    if isinstance(entries, Mapping):
        entries = [entries]
    if not isinstance(entries, list):
        return None
    result: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
            return None
        if "value" not in entry:
            return None
        result[entry["key"]] = entry["value"]
    return result


def _put(context: Any, key: Any, value: Any) -> dict[str, Any] | None:
    path = _keys(key)
    if not isinstance(context, Mapping) or path is None:
        return None
    result = dict(context)
    if len(path) == 1:
        result[path[0]] = value
        return result
    inner = result.get(path[0])
    nested = _put(inner if isinstance(inner, Mapping) else {}, path[1:], value)
    if nested is None:
        return None
    result[path[0]] = nested
    return result


def _merge(*contexts: Any) -> dict[str, Any] | None:
    if len(contexts) == 1 and isinstance(contexts[0], list):
        contexts = tuple(contexts[0])
    result: dict[str, Any] = {}
    for context in contexts:
        if not isinstance(context, Mapping):
            return None
        result.update(context)
    return result


def _not(negand: Any) -> bool | None:
    return (not negand) if isinstance(negand, bool) else None


def _get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value


def _bpmn_error(code: Any, message: Any, variables: Any = None) -> dict[str, Any] | None:
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    if variables is not None and not isinstance(variables, Mapping):
        return None
    return {
        "errorType": "bpmnError",
        "code": code,
        "message": message,
        "variables": dict(variables or {}),
    }


def _job_error(
    message: Any, variables: Any = None, retries: Any = None, timeout: Any = None
) -> dict[str, Any] | None:
    if not isinstance(message, str):
        return None
    if variables is not None and not isinstance(variables, Mapping):
        return None
    if retries is not None and not is_number(retries):
        return None
    if isinstance(timeout, str):
        timeout = parse_duration(timeout)
    if timeout is not None and not isinstance(timeout, DayTimeDuration):
        return None
    return {
        "errorType": "jobError",
        "message": message,
        "variables": dict(variables or {}),
        "retries": retries,
        "timeout": timeout,
    }


FUNCTIONS = [
    Builtin("get value", ("context", "key"), _get_value),
    Builtin("get entries", ("context",), _get_entries),
    Builtin("context", ("entries",), _context),
    Builtin("context put", ("context", "key", "value"), _put),
    Builtin("context merge", ("contexts...",), _merge),
    Builtin("put", ("context", "key", "value"), _put),
    Builtin("put all", ("contexts...",), _merge),
    Builtin("not", ("negand",), _not),
    Builtin("get or else", ("value", "default"), _get_or_else),
    Builtin("bpmnError", ("code", "message", "variables?"), _bpmn_error),
    Builtin("jobError", ("message", "variables?", "retries?", "timeout?"), _job_error),
    # "is defined" is compiled specially (it must tell a missing name from null); listed so
    # that the parser knows the phrase and the signature check sees it.
    Builtin("is defined", ("value",), lambda value: value is not None),
]
