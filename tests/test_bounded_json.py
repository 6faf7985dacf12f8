"""bounded_json.loads: json.loads's answers and errors exactly, and deep nesting refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openai_connector import bounded_json

TEXTS = [
    '{"a": [1, 2.5, null, true], "b": "caf\\u00e9"}',
    ' {"a": 1}',  # whitespace around is JSON's own
    '{"a": 1} \n',
    "\t[]\r\n",
    '"text"',
    "12",
    "[DONE]",
    '{"a": 1} {"b": 2}',
    '{"a": 1',
    "",
    "   ",
    "\ufeff{}",  # a byte order mark in text is refused, as json.loads does
    "NaN",
    '{"a": "\\ud800"}',
]


def outcome(call: Any, text: Any) -> Any:
    try:
        return ("value", call(text))
    except ValueError as exc:
        return ("error", type(exc), str(exc))


@pytest.mark.parametrize("text", TEXTS)
def test_answers_and_errors_are_json_loads_own(text: str) -> None:
    assert outcome(bounded_json.loads, text) == outcome(json.loads, text)
    data = text.encode("utf-8", "surrogatepass")
    assert outcome(bounded_json.loads, data) == outcome(json.loads, data)


@pytest.mark.parametrize("depth", [bounded_json.MAX_DEPTH, bounded_json.MAX_DEPTH + 1])
@pytest.mark.parametrize("kind", ["[]", "{}"])
def test_nesting_is_bounded_at_the_limit(depth: int, kind: str) -> None:
    if kind == "[]":
        text = "[" * depth + "]" * depth
    else:
        text = '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)
    for given in (text, text.encode()):
        if depth > bounded_json.MAX_DEPTH:
            with pytest.raises(bounded_json.TooDeep):
                bounded_json.loads(given)
        else:
            assert bounded_json.loads(given) == json.loads(text)


def test_very_deep_input_is_too_deep_not_a_recursion_error() -> None:
    with pytest.raises(bounded_json.TooDeep):
        bounded_json.loads("[" * 100_000 + "]" * 100_000)
