"""Result expressions: process variables from a result's envelope."""

from __future__ import annotations

import pytest

from openai_connector import InvalidInput, Result, ResultMapping
from scripted_server import chat_body

RESULT = Result(200, {"x-request-id": "r1"}, chat_body("The answer"))
EXAMPLE = "{answer: body.choices[0].message.content, tokens: body.usage.total_tokens}"


def test_expression_over_the_envelope() -> None:
    mapping = ResultMapping.compile(result_expression=EXAMPLE)
    assert mapping.apply(RESULT) == {"answer": "The answer", "tokens": 7}


def test_response_form_and_status_and_headers() -> None:
    mapping = ResultMapping.compile(
        result_expression="{text: response.body.choices[0].message.content, "
        'code: status, id: headers."x-request-id"}'
    )
    assert mapping.apply(RESULT) == {"text": "The answer", "code": 200, "id": "r1"}


def test_leading_equals_is_ignored() -> None:
    mapping = ResultMapping.compile(result_expression="= {answer: body.choices[0].message.content}")
    assert mapping.apply(RESULT) == {"answer": "The answer"}


def test_missing_paths_give_null() -> None:
    mapping = ResultMapping.compile(result_expression="{missing: body.nothing.here}")
    assert mapping.apply(RESULT) == {"missing": None}


@pytest.mark.parametrize("expression", ["{answer: body.choices[0", "{: x}", "body..x", "=["])
def test_bad_expression_fails_at_compile_time_naming_the_field(expression: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ResultMapping.compile(result_expression=expression)
    assert caught.value.field == "result_expression"
    assert "result_expression" in str(caught.value)
    assert caught.value.code == "invalid_input"


def test_expression_that_does_not_give_a_mapping() -> None:
    mapping = ResultMapping.compile(result_expression="body.choices[0].message.content")
    with pytest.raises(InvalidInput) as caught:
        mapping.apply(RESULT)
    assert caught.value.field == "result_expression"
    assert "mapping" in str(caught.value) and "str" in str(caught.value)


def test_result_variable_holds_the_whole_envelope() -> None:
    mapping = ResultMapping.compile(result_variable="reply")
    assert mapping.apply(RESULT) == {"reply": RESULT.envelope()}
    assert set(mapping.apply(RESULT)["reply"]) == {"status", "headers", "body"}


def test_result_variable_and_expression_together() -> None:
    mapping = ResultMapping.compile(
        result_variable="reply", result_expression="{tokens: body.usage.total_tokens}"
    )
    assert mapping.apply(RESULT) == {"reply": RESULT.envelope(), "tokens": 7}


def test_result_variable_must_be_a_name() -> None:
    with pytest.raises(InvalidInput) as caught:
        ResultMapping.compile(result_variable="not a name")
    assert caught.value.field == "result_variable"


def test_nothing_asked_gives_nothing() -> None:
    assert ResultMapping.compile().apply(RESULT) == {}


def test_expression_applies_to_an_error_envelope_the_same_way() -> None:
    error = Result(429, {}, {"error": {"message": "slow down", "code": "rate_limit_exceeded"}})
    mapping = ResultMapping.compile(result_expression="{status: status, why: body.error.message}")
    assert mapping.apply(error) == {"status": 429, "why": "slow down"}
