"""FEEL's syntax and semantics: literals, operators, null logic, paths, filters, iteration.

The expected values are those Camunda's FEEL documentation states for each construct.
"""

from __future__ import annotations

from typing import Any

import pytest
from feel_table import feel, same

ORDER = {
    "order": {
        "id": "o-1",
        "items": [
            {"name": "pen", "price": 5, "tags": ["office"]},
            {"name": "lamp", "price": 25.5, "tags": ["home", "office"]},
            {"name": "desk", "price": 120, "tags": []},
        ],
        "customer": {"name": "Ada", "address": {"city": "London"}},
    },
    "x": 5,
    "s": "text",
    "n": None,
    "flag": True,
    "numbers": [3, 1, 2],
}

LITERALS = [
    ("1", 1),
    ("-1", -1),
    ("1.5", 1.5),
    (".5", 0.5),
    ("1e3", 1000),
    ("0.0", 0),
    ('"abc"', "abc"),
    ('""', ""),
    ("true", True),
    ("false", False),
    ("null", None),
    ('"a\\"b"', 'a"b'),
    ('"line\\nbreak"', "line\nbreak"),
    ('"tab\\there"', "tab\there"),
    ('"back\\\\slash"', "back\\slash"),
    ('"\\u00e9t\\u00e9"', "été"),
    ('"€ unicode"', "€ unicode"),
    ("[]", []),
    ("[1, 2, 3]", [1, 2, 3]),
    ('[1, "a", true, null]', [1, "a", True, None]),
    ("[[1, 2], [3]]", [[1, 2], [3]]),
    ("{}", {}),
    ("{a: 1}", {"a": 1}),
    ('{"a b": 1, c: "d"}', {"a b": 1, "c": "d"}),
    ("{a: {b: {c: [1]}}}", {"a": {"b": {"c": [1]}}}),
    ('{first name: "Ada"}', {"first name": "Ada"}),
    ("{a: 1, b: a + 1}", {"a": 1, "b": 2}),
    ("{a: 1, b: {c: a * 10}}", {"a": 1, "b": {"c": 10}}),
    ("// comment\n1 + 1", 2),
    ("1 /* inline */ + 2", 3),
    ("`x`", 5),
]

ARITHMETIC = [
    ("1 + 2", 3),
    ("5 - 7", -2),
    ("2 * 3", 6),
    ("7 / 2", 3.5),
    ("2 ** 10", 1024),
    ("2 ** -1", 0.5),
    ("-x", -5),
    ("- -2", 2),
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 2 - 3", 5),
    ("2 * 3 ** 2", 18),
    ("0.1 + 0.2", 0.3),
    ("0.1 + 0.2 = 0.3", True),
    ("1.1 * 3", 3.3),
    ("10 / 4", 2.5),
    ("6 / 3", 2),
    ("1 / 0", None),
    ("1 + null", None),
    ("null * 2", None),
    ("-null", None),
    ("2 ** null", None),
    ('"a" + "b"', "ab"),
    ('"a" + 1', None),
    ('1 + "a"', None),
    ("true + 1", None),
    ("x + 0.5", 5.5),
    ("order.items[2].price * 2", 51),
    ("123456789012345678901234567890 + 1", 123456789012345678901234567891),
    ("10 ** 20", 100000000000000000000),
    ("10 ** 400", None),  # a number, but beyond what a JSON number (a double) carries
    ("10 ** 400 / 10 ** 399", 10),
]

COMPARISONS = [
    ("1 = 1", True),
    ("1 = 1.0", True),
    ("1 != 2", True),
    ("1 < 2", True),
    ("2 <= 2", True),
    ("3 > 2", True),
    ("2 >= 3", False),
    ('"a" < "b"', True),
    ('"abc" = "abc"', True),
    ('"a" = "A"', False),
    ("true = true", True),
    ("true != false", True),
    ("null = null", True),
    ("null != null", False),
    ("x = null", False),
    ("n = null", True),
    ("missing = null", True),
    ("1 = null", False),
    ("null = 1", False),
    ('1 = "1"', None),
    ('1 < "2"', None),
    ("null < 1", None),
    ("true < false", None),
    ("[1, 2] = [1, 2]", True),
    ("[1, 2] = [2, 1]", False),
    ("{a: 1} = {a: 1}", True),
    ("{a: 1} = {a: 2}", False),
    ("{a: 1} = {b: 1}", False),
    ('s = "text"', True),
    ('flag = "true"', None),
    ('@"PT1H" > @"PT30M"', True),
    ('@"2024-01-01" < @"2024-02-01"', True),
]

LOGIC = [
    ("true and true", True),
    ("true and false", False),
    ("true and null", None),
    ("false and null", False),
    ("null and false", False),
    ("null and null", None),
    ("true or false", True),
    ("false or false", False),
    ("false or null", None),
    ("true or null", True),
    ("null or true", True),
    ("null or null", None),
    ("not(true)", False),
    ("not(false)", True),
    ("not(null)", None),
    ('not("a")', None),
    ("1 and true", None),
    ("x > 1 and x < 10", True),
    ("x < 1 or x > 10", False),
    ("not(x = 5)", False),
    ("flag and x = 5", True),
    ("n and true", None),
]

CONDITIONALS = [
    ("if true then 1 else 2", 1),
    ("if false then 1 else 2", 2),
    ("if null then 1 else 2", 2),
    ('if x > 3 then "big" else "small"', "big"),
    ('if "a" then 1 else 2', 2),
    ("if x = 5 then if flag then 1 else 2 else 3", 1),
    ('if is defined(missing) then missing else "default"', "default"),
    ("if n = null then 0 else n", 0),
    ("(if flag then 1 else 2) + 1", 2),
]

PATHS = [
    ("order.id", "o-1"),
    ("order.customer.name", "Ada"),
    ("order.customer.address.city", "London"),
    ("order.customer.phone", None),
    ("order.missing.deeper", None),
    ("missing.a", None),
    ("n.a", None),
    ("order.items.name", ["pen", "lamp", "desk"]),
    ("[{a: 1}, {a: 2}].a", [1, 2]),
    ("[{a: 1}, {a: 2}].a = [1, 2]", True),
    ("[{a: 1}, {b: 2}].a", [1, None]),
    ("{a: {b: 3}}.a.b", 3),
    ('{"x y": 1}."x y"', 1),
    ("order.items[1].name", "pen"),
    ("order.items[-1].name", "desk"),
    ("order.items[2].tags[1]", "home"),
    ("s.length", None),
    ("x.y", None),
]

FILTERS = [
    ("[1, 2, 3][1]", 1),
    ("[1, 2, 3][3]", 3),
    ("[1, 2, 3][-1]", 3),
    ("[1, 2, 3][-3]", 1),
    ("[1, 2, 3][4]", None),
    ("[1, 2, 3][0]", None),
    ("[1, 2, 3][-4]", None),
    ("[][1]", None),
    ("numbers[2]", 1),
    ("numbers[x - 3]", 1),
    ("[1, 2, 3][1.5]", None),
    ("[1, 2, 3, 4][item > 2]", [3, 4]),
    ("[1, 2, 3, 4][item > 10]", []),
    ("[1, 2, 3, 4][even(item)]", [2, 4]),
    ("[1, null, 3][item != null]", [1, 3]),
    ("order.items[price > 20].name", ["lamp", "desk"]),
    ("order.items[item.price > 20].name", ["lamp", "desk"]),
    ('order.items[name = "pen"][1].price', 5),
    ('order.items[list contains(tags, "office")].name', ["pen", "lamp"]),
    ("order.items[price > 20 and price < 100].name", ["lamp"]),
    ("[{a: 1, b: 2}, {a: 3, b: 4}][a > 1].b", [4]),
    ("n[1]", None),
    ("null[item > 1]", None),
    ("[1, 2, 3][item > x]", []),
    ('[1, "a", 3][item > 1]', [3]),
    ("[[1, 2], [3]][1]", [1, 2]),
    ("[[1, 2], [3]][1][2]", 2),
    ("{a: [1, 2, 3]}.a[item >= 2]", [2, 3]),
    ("5[item > 1]", [5]),
]

MEMBERSHIP = [
    ("5 between 1 and 10", True),
    ("1 between 1 and 10", True),
    ("10 between 1 and 10", True),
    ("11 between 1 and 10", False),
    ("null between 1 and 10", None),
    ('"b" between "a" and "c"', True),
    ("x between 1 and null", None),
    ("5 in [1, 5, 9]", True),
    ("6 in [1, 5, 9]", False),
    ("5 in [1..10]", True),
    ("10 in [1..10)", False),
    ("1 in (1..10]", False),
    ("1 in ]1..10]", False),
    ("10 in [1..10]", True),
    ("0 in [1..10]", False),
    ("5 in (1..10)", True),
    ("x in (< 3, > 4)", True),
    ("x in < 5", False),
    ("x in <= 5", True),
    ("x in > 4", True),
    ("x in (1, 2, 3)", False),
    ("x in (4, 5, 6)", True),
    ('"b" in ["a", "b"]', True),
    ('s in ["text"]', True),
    ("x in 5", True),
    ("x in null", False),
    ("null in [1, null]", True),
    ("2.5 in [1..3]", True),
    ("[1, 2] in [[1, 2], [3]]", True),
    ("[1, 2] in [1, 2]", True),
    ("[1, 3] in [[1, 2]]", False),
    ('@"2024-01-15" in [@"2024-01-01"..@"2024-01-31"]', True),
    ("x in [1..y]", None),
]

ITERATION = [
    ("for i in [1, 2, 3] return i * 2", [2, 4, 6]),
    ("for i in [] return i", []),
    ("for i in 1..3 return i", [1, 2, 3]),
    ("for i in 3..1 return i", [3, 2, 1]),
    ("for x in [1, 2], y in [10, 20] return x + y", [11, 21, 12, 22]),
    ("for i in [1, 2], j in [i, i * 10] return j", [1, 10, 2, 20]),
    ("for item in order.items return item.name", ["pen", "lamp", "desk"]),
    ('for w in ["a", "b"] return upper case(w)', ["A", "B"]),
    ("for i in null return i", None),
    ("for i in 1..10000000 return i", None),
    ("some i in null satisfies i > 0", None),
    ("for i in 5 return i", [5]),
    ("for i in 1..3, j in null return i", None),
    ("sum(for i in [1, 2, 3] return i * i)", 14),
    ("some i in [1, 2, 3] satisfies i > 2", True),
    ("some i in [1, 2, 3] satisfies i > 3", False),
    ("every i in [1, 2, 3] satisfies i > 0", True),
    ("every i in [1, 2, 3] satisfies i > 1", False),
    ("some i in [] satisfies i > 0", False),
    ("every i in [] satisfies i > 0", True),
    ("some item in order.items satisfies item.price > 100", True),
    ("every item in order.items satisfies item.price > 1", True),
    ("some x in [1, 2], y in [2, 3] satisfies x = y", True),
]

TYPES = [
    ("1 instance of number", True),
    ('"a" instance of string', True),
    ("true instance of boolean", True),
    ("[1] instance of list", True),
    ("{} instance of context", True),
    ("null instance of Null", True),
    ('"a" instance of number', False),
    ("1 instance of Any", True),
    ("null instance of Any", False),
    ('@"2024-01-01" instance of date', True),
    ('@"PT1H" instance of days and time duration', True),
    ('@"P1Y" instance of years and months duration', True),
    ('@"2024-01-01T10:00:00" instance of date and time', True),
    ("x instance of number", True),
]

FUNCTION_VALUES = [
    ("{f: function(a) a * 2, r: f(21)}.r", 42),
    ("{add: function(a, b) a + b, r: add(1, 2)}.r", 3),
    ("{f: function(a) a * 2, r: f(1, 2)}.r", None),
    ("{f: 1, r: f(1)}.r", None),
    ("sort([3, 1, 2], function(a, b) a > b)", [3, 2, 1]),
    ("{count: 5, n: count([1, 2])}.n", 2),
    ("{count: function(l) 99, n: count([1, 2])}.n", 99),
    ("for count in [1] return count([1, 2, 3])", [3]),
]

GROUPS = {
    "literal": LITERALS,
    "arithmetic": ARITHMETIC,
    "comparison": COMPARISONS,
    "logic": LOGIC,
    "conditional": CONDITIONALS,
    "path": PATHS,
    "filter": FILTERS,
    "membership": MEMBERSHIP,
    "iteration": ITERATION,
    "type": TYPES,
    "function value": FUNCTION_VALUES,
}
CASES = [
    pytest.param(text, expected, id=f"{group}: {text}")
    for group, rows in GROUPS.items()
    for text, expected in rows
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_expression(text: str, expected: Any) -> None:
    result = feel(text, ORDER)
    assert same(result, expected), result


def test_the_variables_are_not_changed() -> None:
    variables = {"a": [1, 2], "b": {"c": 1}}
    feel('{x: append(a, 3), y: context put(b, "d", 2)}', variables)
    assert variables == {"a": [1, 2], "b": {"c": 1}}


def test_a_compiled_expression_is_reused_with_other_variables() -> None:
    from openai_connector.workflow.feel import compile_expression

    expression = compile_expression('"Hello " + name')
    assert expression.evaluate({"name": "Ada"}) == "Hello Ada"
    assert expression.evaluate({"name": "Bob"}) == "Hello Bob"
    assert expression.evaluate({}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("for i in 1..5 return if i <= 2 then 1 else partial[-1] + partial[-2]", [1, 1, 2, 3, 5]),
        ("for i in [1, 2, 3] return count(partial)", [0, 1, 2]),
        ("for i in [10, 20] return i + count(partial)", [10, 21]),
    ],
)
def test_for_sees_its_partial_results(text: str, expected: Any) -> None:
    assert same(feel(text), expected)
