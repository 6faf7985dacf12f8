"""embeddings.create against the OpenAI and Azure (2024-10-21) specs, through Prism.

What the specs cannot validate here:

- base64 decoding: Prism answers with placeholder vectors built from the response schema
  (numbers, never base64 text), so decoding is tested against the scripted server
  (tests/operations/test_embeddings.py); here only the request with
  ``encoding_format: base64`` is validated.
- Undeclared fields on Azure: the Azure request schema says ``additionalProperties: true``,
  so Prism cannot reject a misspelt field there (the connector's own input model does).
- Token-array input on Azure: the Azure spec declares strings only, so only OpenAI gets them.
- The 2048-input and no-empty-string limits are checked by the connector before sending;
  sending them would only test Prism.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from spec_checks import run_valid

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


def test_openai_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism, "embeddings.create", {"model": "text-embedding-3-small", "input": "hello"}
    )


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_openai_full(openai_prism: dict[str, Any], encoding: str) -> None:
    run_valid(
        openai_prism,
        "embeddings.create",
        {
            "model": "text-embedding-3-large",
            "input": ["first text", "second text"],
            "dimensions": 256,
            "encoding_format": encoding,
            "user": "user-1234",
        },
    )


@pytest.mark.parametrize("tokens", [[1212, 318, 257], [[1212, 318], [257]]])
def test_openai_token_input(openai_prism: dict[str, Any], tokens: list[Any]) -> None:
    run_valid(
        openai_prism, "embeddings.create", {"model": "text-embedding-3-small", "input": tokens}
    )


def test_azure_minimal(azure_prism: dict[str, Any]) -> None:
    run_valid(azure_prism, "embeddings.create", {"model": "embed", "input": "hello"})


def test_azure_full(azure_prism: dict[str, Any]) -> None:
    run_valid(
        azure_prism,
        "embeddings.create",
        {
            "model": "embed",
            "input": ["first text", "second text"],
            "dimensions": 256,
            "encoding_format": "base64",
            "user": "user-1234",
        },
    )


@pytest.mark.parametrize(
    "bad", [{"dimensions": 0}, {"encoding_format": "int8"}, {"input": []}, {"dimension": 3}]
)
def test_the_spec_is_live_for_embeddings(openai_prism: dict[str, Any], bad: dict[str, Any]) -> None:
    body = {"model": "text-embedding-3-small", "input": "x", **bad}
    assert rejected(openai_prism, "/embeddings", body) == 422
