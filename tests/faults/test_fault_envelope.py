"""What a call returns beside the body: headers, rate limits, attempts; and the debug log."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from faces import Face
from openai_connector import RateLimit, ServerError
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}
RATE_HEADERS = {
    "X-RateLimit-Limit-Requests": "500",
    "X-RateLimit-Limit-Tokens": "30000",
    "X-RateLimit-Remaining-Requests": "499",
    "X-RateLimit-Remaining-Tokens": "29950",
    "X-RateLimit-Reset-Requests": "120ms",
    "X-RateLimit-Reset-Tokens": "6m0s",
}


def test_envelope_is_status_headers_body_with_lower_cased_headers(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    body = chat_body("hi there")
    server.script(
        Reply(json=body, headers={"X-Request-ID": "req-42", "OpenAI-Processing-Ms": "12"})
    )
    result = face.run("chat.create", CHAT, **conn)
    envelope = result.envelope()
    assert set(envelope) == {"status", "headers", "body"}
    assert envelope["status"] == 200
    assert envelope["body"] == body  # the provider's JSON exactly as sent
    assert envelope["headers"]["x-request-id"] == "req-42"
    assert envelope["headers"]["openai-processing-ms"] == "12"
    assert all(name == name.lower() for name in envelope["headers"])
    data = result.to_dict()
    assert set(data) == {"status", "headers", "body", "meta"}
    assert data["meta"]["usage"] == {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    assert data["meta"]["attempts"] == 1
    assert data["meta"]["elapsed_ms"] >= 0
    json.dumps(data)  # serialisable as it stands


def test_rate_limit_headers_are_parsed(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(json=chat_body(), headers=RATE_HEADERS))
    result = face.run("chat.create", CHAT, **conn)
    assert result.rate_limit == RateLimit(
        limit_requests=500,
        limit_tokens=30000,
        remaining_requests=499,
        remaining_tokens=29950,
        reset_requests=0.12,
        reset_tokens=360.0,
    )
    assert result.to_dict()["meta"]["rate_limit"]["reset_tokens"] == 360.0
    assert result.headers["x-ratelimit-reset-tokens"] == "6m0s"


def test_rate_limit_is_none_without_the_headers(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(json=chat_body()))
    assert face.run("chat.create", CHAT, **conn).rate_limit is None


def test_rate_limit_headers_of_a_stream_are_parsed(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["a"]), headers=RATE_HEADERS))
    _, result = face.stream("chat.create", CHAT, **conn)
    assert result.rate_limit is not None
    assert result.rate_limit.remaining_tokens == 29950
    assert result.headers["x-ratelimit-remaining-requests"] == "499"


def test_an_error_carries_the_same_envelope_as_a_success(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    body = {"error": {"message": "boom", "type": "server_error", "code": None}}
    server.default = Reply(500, json=body, headers={**RATE_HEADERS, "X-Request-ID": "req-9"})
    with pytest.raises(ServerError) as caught:
        face.run("chat.create", CHAT, retry={"max_retries": 0}, **conn)
    error = caught.value
    assert error.result.envelope()["body"] == body
    assert error.result.headers["x-request-id"] == "req-9"
    assert error.result.rate_limit is not None
    data = error.to_dict()
    assert data["status"] == 500
    assert data["response"] == error.result.envelope()


def test_debug_logs_requests_and_responses_with_the_key_masked(
    face: Face, server: ScriptedServer, conn: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    server.script(
        Reply(503, json={"error": {"message": "busy"}}),
        Reply(json=chat_body("logged answer"), headers={"X-Request-ID": "req-7"}),
    )
    caplog.set_level(logging.DEBUG)
    face.run("chat.create", CHAT, debug=True, **conn)
    http = [r.getMessage() for r in caplog.records if r.name == "openai_connector.http"]
    requests = [m for m in http if m.startswith("request ")]
    responses = [m for m in http if m.startswith("response ")]
    assert len(requests) == 2 and len(responses) == 2
    url = server.url + "/v1/chat/completions"
    first = requests[0]
    assert f"POST {url}" in first
    assert "attempt=1" in first and "attempt=2" in requests[1]
    assert '"authorization": "***"' in first
    assert '"content-type": "application/json"' in first
    assert '"prompt"' not in first and '"content":"hi"' in first  # the body as sent
    assert "sk-test1234" not in "\n".join(http)
    assert responses[0].startswith(f"response 503 POST {url}")
    assert "busy" in responses[0]
    assert re.search(r" in \d+\.\d ms", responses[1])
    assert "x-request-id" in responses[1] and "logged answer" in responses[1]
    assert any("retrying chat.create after HTTP 503" in m for m in http)


def test_without_debug_the_log_is_quiet_unless_the_logger_asks_for_debug(
    face: Face, server: ScriptedServer, conn: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    server.script(Reply(json=chat_body()), Reply(json=chat_body()))
    caplog.set_level(logging.INFO)
    face.run("chat.create", CHAT, **conn)
    assert not [r for r in caplog.records if r.name == "openai_connector.http"]
    caplog.set_level(logging.DEBUG, logger="openai_connector.http")
    face.run("chat.create", CHAT, **conn)
    messages = [r.getMessage() for r in caplog.records if r.name == "openai_connector.http"]
    assert any(m.startswith("request ") for m in messages)
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name.startswith("openai"))


def test_debug_logs_a_streamed_call_and_its_failed_attempts(
    face: Face, server: ScriptedServer, conn: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    server.script(
        Reply(429, json={"error": {"message": "wait please"}}, headers={"retry-after": "1"}),
        Reply(events=chat_chunks(["streamed"])),
    )
    caplog.set_level(logging.DEBUG)
    face.stream("chat.create", CHAT, debug=True, **conn)
    http = [r.getMessage() for r in caplog.records if r.name == "openai_connector.http"]
    url = server.url + "/v1/chat/completions"
    requests = [m for m in http if m.startswith("request ")]
    assert requests[0].startswith(f"request attempt=1 POST {url} ")
    assert requests[1].startswith(f"request attempt=2 POST {url} ")
    assert '"accept": "text/event-stream"' in requests[0]
    responses = [m for m in http if m.startswith("response ")]
    assert responses[0].startswith(f"response 429 POST {url}") and "wait please" in responses[0]
    assert responses[1].startswith(f"response 200 POST {url}")
    assert "text/event-stream" in responses[1]
