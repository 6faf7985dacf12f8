"""Request bodies as JSON bytes (orjson), and the input field that made one unsendable.

orjson writes UTF-8 directly (non-ASCII text as is, as ``ensure_ascii=False`` would) and
floats in their shortest round-trip form. What it refuses (integers beyond 64 bits, keys
that are not text, nesting over 254 levels, lone surrogates) goes through the standard
library, which raises its own error for what cannot be sent at all; orjson writes ``NaN``
and infinities as ``null``, so a body holding ``null`` is checked for them (rare: fields left
out are not sent).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from pydantic import BaseModel


class Unsendable(ValueError):
    """A value JSON cannot carry: a NaN or an infinity, or an object that is not JSON."""


def encode(value: Any) -> bytes:
    """``value`` as compact JSON bytes; raises ``UnicodeEncodeError`` (lone surrogates),
    :class:`Unsendable` or ``RecursionError``."""
    try:
        content = orjson.dumps(value)
    except TypeError:
        return _standard(value)
    if b"null" in content:
        _standard(value)  # a NaN or an infinity written as null: refused, never changed
    return content


def _standard(value: Any) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError) as exc:  # out-of-range floats; objects JSON does not know
        raise Unsendable(str(exc)) from None
    return text.encode()


def unsendable(params: Any) -> tuple[str, str]:
    """The path of the first value in ``params`` that JSON cannot carry, and why."""
    pending: list[tuple[str, Any]] = [("", params)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                return path or "input", "the text is not valid UTF-8 (or holds lone surrogates)"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return path or "input", f"{value} is not a number JSON can carry"
        elif isinstance(value, dict):
            pending.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            pending.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value))
        elif isinstance(value, BaseModel):
            pending.append((path, value.model_dump()))
        elif value is not None and not isinstance(value, bool | int | bytes):
            return path or "input", f"a {type(value).__name__} is not a JSON value"
    return "input", "the input cannot be sent as JSON"
