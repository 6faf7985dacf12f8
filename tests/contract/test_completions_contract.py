"""completions.create against the OpenAI and Azure (2024-10-21) specs, through Prism.

What the specs cannot validate here:

- The streamed *response* (``text_completion`` chunks): Prism cannot generate an event stream
  from a schema, so the test variant serves a fixed literal stream (``spec_variants``). The
  streamed *request* (``stream: true`` with ``stream_options.include_usage``) is validated
  like any other; the assembler is tested against the scripted server
  (tests/operations/test_completions.py).
- Rules between fields (``best_of`` at least ``n``; no ``best_of`` above 1 when streaming):
  the specs state them in prose only; the connector checks them (unit tests).
- Token-array prompts on Azure: the Azure spec declares strings only, so only OpenAI gets them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from spec_checks import run_valid, stream_valid

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


FULL = {
    "prompt": ["Say this is a test", "Say it twice"],
    "suffix": " The end.",
    "max_tokens": 16,
    "temperature": 0.5,
    "top_p": 0.9,
    "n": 2,
    "stop": ["\n", "END"],
    "logprobs": 2,
    "echo": True,
    "best_of": 3,
    "presence_penalty": 0.5,
    "frequency_penalty": -0.5,
    "logit_bias": {"50256": -100},
    "seed": 42,
    "user": "user-1234",
}


def test_openai_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism,
        "completions.create",
        {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test"},
    )


def test_openai_full(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "completions.create", {"model": "gpt-3.5-turbo-instruct", **FULL})


@pytest.mark.parametrize("prompt", [[1212, 318, 257], [[1212, 318], [257]]])
def test_openai_token_prompts(openai_prism: dict[str, Any], prompt: list[Any]) -> None:
    run_valid(openai_prism, "completions.create", {"model": "davinci-002", "prompt": prompt})


def test_openai_streamed_request(openai_prism: dict[str, Any]) -> None:
    result = stream_valid(
        openai_prism, "completions.create", {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi"}
    )
    assert result.meta()["streamed"] is True
    assert result.body["object"] == "text_completion"


def test_azure_minimal(azure_prism: dict[str, Any]) -> None:
    run_valid(
        azure_prism, "completions.create", {"model": "instruct", "prompt": "Say this is a test"}
    )


def test_azure_full(azure_prism: dict[str, Any]) -> None:
    run_valid(azure_prism, "completions.create", {"model": "instruct", **FULL})


def test_azure_streamed_request(azure_prism: dict[str, Any]) -> None:
    result = stream_valid(azure_prism, "completions.create", {"model": "instruct", "prompt": "Hi"})
    assert result.meta()["streamed"] is True


@pytest.mark.parametrize("bad", [{"logprobs": 6}, {"best_of": 21}, {"suffx": "typo"}])
def test_the_spec_is_live_for_completions(
    openai_prism: dict[str, Any], bad: dict[str, Any]
) -> None:
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "x", **bad}
    assert rejected(openai_prism, "/completions", body) == 422
