"""JSON from a server, with its nesting bounded: a deep body is refused, not a crash later.

``json.loads`` raises ``RecursionError`` on deep enough input, and a body just under that
limit breaks whatever walks it next (redaction, result expressions, printing). Bodies
nested more than :data:`MAX_DEPTH` levels are refused as ``ValueError``, like broken JSON.
The check costs nothing for a text of at most ``2 * MAX_DEPTH`` characters (valid JSON that
deep is longer) and one byte count unless a body holds more than ``MAX_DEPTH`` brackets.

Parsing is orjson's (3-4 times quicker) where its answer is the standard library's: for any
text it accepts that holds no number of 19 digits or more (orjson reads an integer beyond
64 bits as a float; json keeps it exact). A run of 19 digits right after a letter (not
``e`` or ``E``), ``_`` or ``"`` is inside a string (an id such as ``chatcmpl-0000...``),
not a number; any other is taken as one. Whatever orjson refuses (NaN, infinities, lone
surrogates, a byte order mark, broken JSON) is parsed again by ``json.loads``, so what is
accepted and the errors raised are exactly ``json.loads``'s.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_DEPTH = 200
"""The deepest nesting of arrays and objects accepted in a response body or event."""
_FOLD = bytes.maketrans(b"123456789[", b"000000000{")
"""Every digit as ``0`` and ``[`` as ``{``: one pass gives both the digit runs to look for
and the opening brackets to count."""
_RUN = b"0" * 19
_IN_WORD = frozenset(b'ABCDFGHIJKLMNOPQRSTUVWXYZabcdfghijklmnopqrstuvwxyz_"')
"""What a run of digits inside a string may follow (not ``e``/``E``: an exponent's digits)."""
_orjson_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError
_CONTAINERS = (dict, list)


class TooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"is nested more than {MAX_DEPTH} levels deep")


def loads(content: bytes | str) -> Any:
    """``json.loads`` that raises ``ValueError`` (never ``RecursionError``) for deep input."""
    folded = None
    try:
        data = content if type(content) is bytes else _as_bytes(content)
    except UnicodeEncodeError:  # lone surrogates: json.loads decides
        exact = False
    else:
        folded = data.translate(_FOLD)
        # a run of 19 digits after a letter, "_" or '"' is in a string (an id), not a
        # number; any other is taken as one (a run 38 long or more, conservatively, too)
        start = folded.find(_RUN)
        while start > 0 and data[start - 1] in _IN_WORD:
            start = folded.find(_RUN, start + 19)
        exact = start == -1
    try:
        if not exact:
            value = json.loads(content)
        else:
            try:
                value = _orjson_loads(data)
            except _JSONDecodeError:  # refused: json.loads decides, with its own error
                value = json.loads(content)
    except RecursionError:
        raise TooDeep() from None
    # Valid JSON nested n deep holds n opening and n closing brackets: a text of at most
    # 2 * MAX_DEPTH characters cannot be too deep, and is not counted (most events).
    if len(content) > 2 * MAX_DEPTH and type(value) in _CONTAINERS:
        brackets = (
            folded.count(b"{") if folded is not None else content.count("[") + content.count("{")  # type: ignore[arg-type]
        )
        if brackets > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
            raise TooDeep()
    return value


def _as_bytes(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content


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
