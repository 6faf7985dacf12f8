"""JSON from a server, with its nesting bounded: a deep body is refused, not a crash later.

``json.loads`` raises ``RecursionError`` on deep enough input, and a body just under that
limit breaks whatever walks it next (redaction, result expressions, printing). Bodies
nested more than :data:`MAX_DEPTH` levels are refused as ``ValueError``, like broken JSON.
The check costs two byte counts unless a body holds more than ``MAX_DEPTH`` brackets.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 200
"""The deepest nesting of arrays and objects accepted in a response body or event."""


class TooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"is nested more than {MAX_DEPTH} levels deep")


def loads(content: bytes | str) -> Any:
    """``json.loads`` that raises ``ValueError`` (never ``RecursionError``) for deep input."""
    try:
        value = json.loads(content)
    except RecursionError:
        raise TooDeep() from None
    if isinstance(content, str):
        brackets = content.count("[") + content.count("{")
    else:
        brackets = content.count(b"[") + content.count(b"{")
    if brackets > MAX_DEPTH and type(value) in (dict, list) and _deeper_than(value, MAX_DEPTH):
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
