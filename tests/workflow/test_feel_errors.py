"""Load-time errors name the expression and the position; run-time type errors are null."""

from __future__ import annotations

import pytest
from feel_table import feel

from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.errors import ConnectorError, UserError
from openai_connector.workflow.feel import (
    FeelError,
    FeelSyntaxError,
    FeelUnknownFunction,
    compile_expression,
    compile_mapping,
)

SYNTAX_ERRORS = [
    # (expression, 1-based position, words the message must contain)
    ("", 1, "empty"),
    ("   ", 1, "empty"),
    ("1 +", 4, "expected a value"),
    ("(1 + 2", 7, "')'"),
    ("[1, 2", 6, "','"),
    ("{a: 1", 6, "','"),
    ("{a 1}", 4, "':'"),
    ("{a: 1, a: 2}", 8, "appears twice"),
    ('"abc', 1, "not closed"),
    ('"a\\qb"', 3, "unknown escape"),
    ("1 # 2", 3, "unexpected character '#'"),
    ("if x then 1", 12, "'else'"),
    ("if x 1 else 2", 6, "'then'"),
    ("for x in [1] x", 14, "'return'"),
    ("some x in [1] return x", 15, "'satisfies'"),
    ("a.", 3, "name after '.'"),
    ("1 2", 3, "operator or the end"),
    ("x = = 1", 5, "expected a value"),
    ("x instance of blob", 15, "type name"),
    ('@"yesterday"', 1, "not a date, time or duration"),
    ('substring(string: "a", 1)', 24, "named argument"),
    ('substring(string: "a", string: "b")', 24, "given twice"),
    ("x in (1..", 10, "expected a value"),
    ("[1..2", 6, "']' or ')'"),
    ("`name", 1, "not closed"),
    ("then", 1, "expected a value"),
    ("function(a b) a", 12, "','"),
]

SIGNATURE_ERRORS = [
    ('substring("abc")', "substring() takes substring(string, start position, length?)"),
    ('substring("abc", 1, 2, 3)', "not 4 argument(s)"),
    ("string length()", "not 0 argument(s)"),
    ("now(1)", "now() takes now()"),
    ("decimal(1)", "decimal() takes"),
    ('substring(text: "abc", start position: 1)', "has no parameter 'text'"),
    ("substring(start position: 1, length: 2)", "misses parameter 'string'"),
    ("append()", "append() takes"),
    ("is defined(1, 2)", "is defined() takes (value)"),
    ("{f: function(a) a, r: f(a: 1)}", "positional arguments only"),
]

UNKNOWN_FUNCTIONS = [
    ("foo(1)", 1, "foo()"),
    ("uppercase(x)", 1, "uppercase()"),
    ('1 + lenght("abc")', 5, "lenght()"),
    ("{a: [1, frobnicate()]}", 9, "frobnicate()"),
    ("if x then y else bogus(x)", 18, "bogus()"),
    ("upper_case(x)", 1, "upper_case()"),
    ('get values({}, "a")', 1, "get values()"),
    ("string lenght(x)", 1, "string lenght()"),
    ("1 + foo bar(2)", 5, "foo bar()"),
]


@pytest.mark.parametrize(("text", "position", "words"), SYNTAX_ERRORS)
def test_syntax_error_names_expression_and_position(text: str, position: int, words: str) -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression(text)
    error = caught.value
    assert error.position is not None and error.position + 1 == position, str(error)
    assert words in error.message
    assert repr(text) in error.message
    assert f"at position {position}" in error.message


@pytest.mark.parametrize(("text", "words"), SIGNATURE_ERRORS)
def test_arguments_that_fit_no_signature_fail_at_load_time(text: str, words: str) -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression(text)
    assert words in caught.value.message
    assert repr(text) in caught.value.message


@pytest.mark.parametrize(("text", "position", "name"), UNKNOWN_FUNCTIONS)
def test_unknown_function_fails_at_load_time(text: str, position: int, name: str) -> None:
    with pytest.raises(FeelUnknownFunction) as caught:
        compile_expression(text)
    error = caught.value
    assert f"unknown function {name}" in error.message
    assert error.position is not None and error.position + 1 == position
    assert error.hint


def test_errors_belong_to_the_connector_error_tree() -> None:
    with pytest.raises(FeelUnknownFunction) as caught:
        compile_expression("foo()")
    error = caught.value
    assert isinstance(error, FeelError) and isinstance(error, UserError)
    assert isinstance(error, ConnectorError)
    data = error.to_dict()
    assert data["code"] == "feel_unknown_function"
    assert data["source"] == "user"
    assert data["expression"] == "foo()"
    assert data["position"] == 1
    assert exit_code_of(error) == 2


def test_syntax_error_code() -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression("1 +")
    assert caught.value.code == "feel_syntax_error"
    assert caught.value.to_dict()["position"] == 4


def test_mapping_with_a_bad_expression_fails_when_compiled() -> None:
    with pytest.raises(FeelUnknownFunction) as caught:
        compile_mapping("=nope(1)")
    assert "'nope(1)'" in caught.value.message
    # a value without '=' is text, whatever it holds
    assert compile_mapping("nope(1)").evaluate({}) == "nope(1)"


def test_deep_nesting_is_a_clear_error_not_a_crash() -> None:
    with pytest.raises(FeelError):
        compile_expression("(" * 5000 + "1" + ")" * 5000)


# FEEL's answer to a type mismatch at run time is null, never an exception
RUNTIME_NULLS = [
    '"a" + 1',
    "x * 2",
    "upper case(n)",
    "substring(1, 1)",
    "count(x)",
    "[1, 2][x]",
    "n.a.b.c",
    "x < 1",
    "sum(n)",
    "abs(x)",
    "date(x)",
    "number(x)",
    'get value(x, "a")',
    "context(x)",
    "decimal(x, 0)",
    "floor(x)",
    'matches(1, "a")',
    "not(x)",
    "-x",
    "x ** 2",
]


@pytest.mark.parametrize("text", RUNTIME_NULLS)
def test_type_mismatch_at_run_time_is_null(text: str) -> None:
    assert feel(text, {"x": "text", "n": None}) is None


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("x + 1", {"x": float("nan")}),
        ("x * 2", {"x": float("inf")}),
        ("x < 1", {"x": float("nan")}),
        ("10 ** 999999999", {}),
        ("x ** 9999", {"x": 1e300}),
    ],
)
def test_numbers_beyond_feel_are_null(text: str, variables: dict[str, object]) -> None:
    assert feel(text, variables) is None
