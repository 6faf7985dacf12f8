"""JSON from a server, with its nesting bounded: a deep body is refused, not a crash later.

``json.loads`` raises ``RecursionError`` on deep enough input, and a body just under that
limit breaks whatever walks it next (redaction, result expressions, printing). Bodies
nested more than :data:`MAX_DEPTH` levels are refused as ``ValueError``, like broken JSON.
The check costs nothing for a text of at most ``2 * MAX_DEPTH`` characters (valid JSON that
deep is longer) and two byte counts unless a body holds more than ``MAX_DEPTH`` brackets.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 200
"""The deepest nesting of arrays and objects accepted in a response body or event."""
_raw_decode = json.JSONDecoder().raw_decode


class TooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"is nested more than {MAX_DEPTH} levels deep")


def loads(content: bytes | str) -> Any:
    """``json.loads`` that raises ``ValueError`` (never ``RecursionError``) for deep input."""
    try:
        if type(content) is str:
            # quicker for text that is one JSON value with nothing around it (the usual
            # case); anything else (whitespace around, an error) is left to json.loads
            # itself, so what is accepted and the errors raised are exactly its own
            try:
                value, end = _raw_decode(content)
            except ValueError:
                end = -1
            if end != len(content):
                value = json.loads(content)
        else:
            value = json.loads(content)
    except RecursionError:
        raise TooDeep() from None
    # Valid JSON nested n deep holds n opening and n closing brackets: a text of at most
    # 2 * MAX_DEPTH characters cannot be too deep, and is not counted (most events).
    if len(content) > 2 * MAX_DEPTH and type(value) in (dict, list):
        if isinstance(content, str):
            brackets = content.count("[") + content.count("{")
        else:
            brackets = content.count(b"[") + content.count(b"{")
        if brackets > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
            raise TooDeep()
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if type(item) is dict else item
        for child in children:
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def describe(error: ValueError) -> str:
    """Why a body was refused: not JSON, or nested too deep."""
    return str(error) if isinstance(error, TooDeep) else "is not JSON"
