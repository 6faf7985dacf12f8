"""raw.request, validated against the OpenAI and Azure OpenAI 2024-10-21 specs.

raw.request sends what it is given, so the spec judges the *caller's* request; these tests
check that the connector delivers it as the spec expects: the path under the API root
(OpenAI ``/v1``, Azure ``{endpoint}/openai`` with ``api-version``), the connection's auth,
JSON bodies, multipart forms with files, query parameters and extra headers. Known-bad
requests get Prism's 422 back as a BadRequest carrying the violations.

What the specs cannot validate, and why:

- The response types (``text``, ``binary``): Prism answers with placeholders of the
  declared media type; the conversion of the body is tested against the scripted server
  (tests/operations/test_raw.py).
- The retry settings and ``debug``: they change what the connector does around the request
  (waits, logging), not the request; tested with an injected sleep and captured logs.
- The refusals (a path with a host, ``..`` segments, auth headers): they never leave the
  connector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prism_mock import PrismServer
from spec_checks import NO_RETRY, capture, run_valid, violations

from openai_connector import BadRequest, Connector, InvalidInput, Result

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 24


def test_openai_minimal(openai_prism: dict[str, Any]) -> None:
    result = run_valid(openai_prism, "raw.request", {"path": "/models"})
    assert result.body["object"] == "list"


def test_openai_full_json(openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism,
        "raw.request",
        {
            "path": "/chat/completions",
            "method": "POST",
            "data": {**CHAT, "temperature": 0.5, "max_tokens": 5},
            "headers": {"OpenAI-Beta": "none", "X-Request-Id": "contract-1"},
            "response_type": "json",
            "timeout": 60,
            "debug": True,
            "max_retry_count": 0,
            "retry_delay_ms": 10,
            "use_exponential_backoff": False,
            "retry_on_all_errors": False,
        },
    )


def test_openai_query_params(openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism,
        "raw.request",
        {"path": "/files", "query_params": {"purpose": "batch", "limit": 10, "order": "asc"}},
    )


def test_openai_multipart_with_form_and_file(openai_prism: dict[str, Any], tmp_path: Path) -> None:
    audio = tmp_path / "hello.wav"
    audio.write_bytes(WAV)
    run_valid(
        openai_prism,
        "raw.request",
        {
            "path": "/audio/transcriptions",
            "method": "POST",
            "form_data": {"model": "whisper-1", "language": "en", "temperature": 0.2},
            "file_data": {"file": str(audio)},
        },
    )


def test_openai_delete(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "raw.request", {"path": "/files/file-abc", "method": "DELETE"})


def refused_by_the_spec(connection: dict[str, Any], params: dict[str, Any]) -> list[str]:
    with Connector(**{**connection, "retry": NO_RETRY}) as connector:
        outcome: Result | Exception = capture(lambda: connector.run("raw.request", params))
    assert isinstance(outcome, BadRequest), outcome
    return violations(outcome.status, outcome.result.headers, outcome.result.body)


def test_openai_bad_json_comes_back_as_a_bad_request(openai_prism: dict[str, Any]) -> None:
    found = refused_by_the_spec(
        openai_prism,
        {"path": "/chat/completions", "method": "POST", "data": {**CHAT, "temperature": 5}},
    )
    assert any(line.startswith("body.temperature:") for line in found), found


def test_azure_minimal(azure_prism: dict[str, Any]) -> None:
    run_valid(
        azure_prism,
        "raw.request",
        {
            "path": "/deployments/gpt-4o/chat/completions",
            "method": "POST",
            "data": {"messages": CHAT["messages"]},
        },
    )


def test_azure_full_json_with_query_and_headers(azure_prism: dict[str, Any]) -> None:
    run_valid(
        azure_prism,
        "raw.request",
        {
            "path": "/deployments/text-embedding-3-small/embeddings",
            "method": "POST",
            "data": {"input": ["one", "two"], "dimensions": 256},
            "query_params": {"api-version": "2024-10-21"},
            "headers": {"X-Request-Id": "contract-2"},
            "timeout": 60,
            "max_retry_count": 1,
            "retry_on_all_errors": False,
        },
    )


def test_azure_multipart(azure_prism: dict[str, Any]) -> None:
    """Prism flags its *own* made-up answer here (the transcription response's ``oneOf``
    has two alternatives that both match), so only the request's violations count."""
    with Connector(**{**azure_prism, "retry": NO_RETRY}) as connector:
        result = connector.run(
            "raw.request",
            {
                "path": "/deployments/whisper/audio/transcriptions",
                "method": "POST",
                "form_data": {"response_format": "json", "temperature": 0},
                "file_data": {"file": WAV},
                "file_data_file_names": {"file": "hello.wav"},
            },
        )
    assert result.status == 200
    found = violations(result.status, result.headers, result.body)
    assert [line for line in found if not line.startswith("response.")] == []
    refused = refused_by_the_spec(
        azure_prism,
        {
            "path": "/deployments/whisper/audio/transcriptions",
            "method": "POST",
            "form_data": {"response_format": "mp3"},
            "file_data": {"file": WAV},
            "file_data_file_names": {"file": "hello.wav"},
        },
    )
    assert any("response_format" in line for line in refused), refused


def test_azure_bad_json_comes_back_as_a_bad_request(azure_prism: dict[str, Any]) -> None:
    found = refused_by_the_spec(
        azure_prism,
        {
            "path": "/deployments/gpt-4o/chat/completions",
            "method": "POST",
            "data": {"messages": CHAT["messages"], "temperature": 5},
        },
    )
    assert any("temperature" in line for line in found), found


@pytest.mark.parametrize("path", ["https://evil.example/v1/models", "//evil.example", "/../x"])
def test_paths_off_the_host_never_reach_prism(
    path: str, openai_prism: dict[str, Any], openai_prism_server: PrismServer
) -> None:
    before = openai_prism_server.requests_received()
    with Connector(**openai_prism) as connector, pytest.raises(InvalidInput) as caught:
        connector.run("raw.request", {"path": path})
    assert caught.value.field == "path"
    assert openai_prism_server.requests_received() == before
