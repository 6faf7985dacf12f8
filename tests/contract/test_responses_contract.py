"""responses.create / .retrieve / .delete against the OpenAI spec, through Prism.

What the specs cannot validate here:

- Azure: the Responses API is not in the Azure 2024-10-21 data-plane spec, so there is no
  Azure contract; the connector refuses the three operations on Azure before sending
  (tests/operations/test_responses.py checks that nothing is sent).
- The streamed *response*: Prism cannot generate named server-sent events from the schema,
  so the test variant serves a fixed literal stream (``spec_variants``); the streamed
  *request* (``stream: true``) is validated like any other. Incomplete, failed and error
  events are tested against the scripted server only.
- Input items and tools are passed through as given (the connector checks only their
  outline: roles, types, names); their full shapes are the spec's, so they are validated
  here only for the items these tests send.
- A message whose ``content`` is a list of parts (``input_text``, ``input_image``): the
  spec's ``InputItem`` is a ``oneOf`` in which such a message matches both
  ``EasyInputMessage`` and ``InputMessage``, so *every* such request is a 422 ("must match
  exactly one schema in oneOf"), though the API takes it. The full request here uses text
  content; content lists are covered by the unit tests only.
- Prism's own answers for ``/responses`` break the spec's ``Response`` schema; Prism then
  sends an ``sl-violations`` header about the *response* (cut off after 8 KB behind "Too
  many violations!"). ``accepted`` below ignores those: a request that broke the spec
  would have been a 422.
- ``responses.delete``: the spec declares no response body, so only the request (method,
  path) is checked.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
import urllib3
from spec_checks import NO_RETRY, assert_valid, capture, stream_valid

from openai_connector import Connector, Result

pytestmark = pytest.mark.contract


def rejected(connection: dict[str, Any], path: str, body: dict[str, Any]) -> int:
    """The status Prism gives a raw POST (the connector would refuse this input itself)."""
    response = urllib3.request(
        "POST",
        connection["base_url"] + path,
        body=json.dumps(body).encode(),
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {connection['api_key']}",
        },
        retries=False,
        timeout=60,
    )
    return response.status


SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
FULL = {
    "model": "gpt-4o",
    "input": [
        {"role": "developer", "content": "Answer in JSON."},
        {"role": "user", "content": "What is the weather in Paris?"},
        {"type": "function_call_output", "call_id": "call_1", "output": "42"},
    ],
    "instructions": "Be brief.",
    "max_output_tokens": 500,
    "temperature": 0.7,
    "top_p": 0.9,
    "top_logprobs": 3,
    "tools": [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            "strict": False,
        },
        {"type": "web_search"},
    ],
    "tool_choice": {"type": "function", "name": "get_weather"},
    "parallel_tool_calls": False,
    "max_tool_calls": 4,
    "text": {
        "format": {"type": "json_schema", "name": "answer", "schema": SCHEMA, "strict": True},
        "verbosity": "low",
    },
    "reasoning": {"effort": "low", "summary": "auto"},
    "previous_response_id": "resp_0",
    "store": True,
    "background": False,
    "include": ["message.output_text.logprobs"],
    "metadata": {"case": "42"},
    "truncation": "auto",
    "service_tier": "flex",
    "user": "user-1234",
    "safety_identifier": "hash-1234",
    "prompt_cache_key": "cache-1",
}

LOCATION = re.compile(r'"location":\["(\w+)"')


def accepted(outcome: Result | BaseException) -> Result:
    """:func:`assert_valid`, minus Prism's complaints about its own (mock) answer."""
    if isinstance(outcome, Result) and outcome.ok:
        places = LOCATION.findall(outcome.headers.get("sl-violations", ""))
        if places and set(places) == {"response"}:
            headers = {k: v for k, v in outcome.headers.items() if k != "sl-violations"}
            outcome = dataclasses.replace(outcome, headers=headers)
    return assert_valid(outcome)


def run_valid(connection: dict[str, Any], operation: str, params: Any) -> Result:
    with Connector(**{"retry": NO_RETRY, **connection}) as connector:
        return accepted(capture(lambda: connector.run(operation, params)))


def test_create_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "responses.create", {"model": "gpt-4o", "input": "Hello"})


def test_create_full(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "responses.create", FULL)


@pytest.mark.parametrize(
    "choice", ["required", {"type": "web_search_preview"}], ids=["mode", "hosted"]
)
def test_create_tool_choices(openai_prism: dict[str, Any], choice: Any) -> None:
    run_valid(
        openai_prism,
        "responses.create",
        {"model": "gpt-4o", "input": "x", "tools": [{"type": "web_search"}], "tool_choice": choice},
    )


def test_create_streamed_request(openai_prism: dict[str, Any]) -> None:
    result = stream_valid(openai_prism, "responses.create", {"model": "gpt-4o", "input": "Hi"})
    assert result.meta()["streamed"] is True
    assert result.text == "OK"


def test_retrieve_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "responses.retrieve", {"response_id": "resp_123"})


def test_retrieve_full(openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism,
        "responses.retrieve",
        {
            "response_id": "resp_123",
            "include": ["message.output_text.logprobs", "reasoning.encrypted_content"],
        },
    )


def test_delete(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "responses.delete", {"response_id": "resp_123"})


@pytest.mark.parametrize(
    "bad", [{"max_output_tokens": 15}, {"truncation": "sometimes"}, {"instruction": "typo"}]
)
def test_the_spec_is_live_for_responses(openai_prism: dict[str, Any], bad: dict[str, Any]) -> None:
    body = {"model": "gpt-4o", "input": "x", **bad}
    assert rejected(openai_prism, "/responses", body) == 422
