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


@pytest.mark.parametrize(
    "text",
    [
        '{"seed": 123456789012345678901234567890}',  # beyond 64 bits: kept exact, an int
        '{"n": -9223372036854775809, "m": 18446744073709551616}',
        '{"n": 9223372036854775807, "x": 0.1000000000000000055511151231257827}',
        '{"big": 1e400}',  # json.loads's infinity
        '{"x": 1e300, "y": [-9.3e18, 2.5]}',  # true floats that large: the same values
        '[[{"deep": [18446744073709551616, 1.5]}], 2]',  # a big integer far inside
        '\ufeff{"a": 1}',
    ],
)
def test_numbers_and_encodings_are_json_loads_own(text: str) -> None:
    for given in (text, text.encode("utf-8")):
        expected = outcome(json.loads, given)
        got = outcome(bounded_json.loads, given)
        assert got == expected
        assert repr(got) == repr(expected)  # the same types: an int stays an int


@pytest.mark.parametrize(
    "text",
    [
        '{"id": "chatcmpl-bench0000000000000000000000", "n": 1}',  # digits in an id
        '{"id": "x_12345678901234567890", "n": [12345678901234567890123]}',
        '{"id": "12345678901234567890", "s": "a 12345678901234567890"}',
        "12345678901234567890",
        "-12345678901234567890",
        "[1,\n12345678901234567890]",
        '{"f": 1.12345678901234567890123}',
    ],
)
def test_long_digit_runs_are_read_as_json_loads_reads_them(text: str) -> None:
    for given in (text, text.encode("utf-8")):
        assert repr(bounded_json.loads(given)) == repr(json.loads(given))


@pytest.mark.parametrize(
    "text", ["[1e1234567890123456789]", "[1E-1234567890123456789]", "[2e0000000000000000000001]"]
)
def test_long_exponents_are_json_loads_own(text: str) -> None:
    for given in (text, text.encode()):
        assert outcome(bounded_json.loads, given) == outcome(json.loads, given)
