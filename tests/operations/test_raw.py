"""raw.request: any path on the connection's host, with its body, retries and debug logging."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from fake_files_api import parse_multipart
from openai_connector import BadRequest, Connector, InvalidInput, NotFound, ServerError
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"


def refused(openai: dict[str, Any], params: dict[str, Any]) -> InvalidInput:
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run("raw.request", params)
    return caught.value


# ----------------------------------------------------------------- requests


def test_minimal_get(face: Face, openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(json={"object": "list", "data": []})
    result = face.run("raw.request", {"path": "/models"}, **openai)
    assert result.status == 200
    assert result.body == {"object": "list", "data": []}
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == ("GET", "/v1/models", {})
    assert sent.headers["authorization"] == "Bearer sk-test1234"
    assert sent.body == b""


def test_json_post_with_query_and_headers(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    data = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    face.run(
        "raw.request",
        {
            "path": "/chat/completions",
            "method": "POST",
            "data": data,
            "query_params": {"trace": True, "tag": ["a", "b"], "n": 2},
            "headers": {"OpenAI-Beta": "assistants=v2", "X-Request-Id": "r-1"},
            "timeout": 30,
        },
        **openai,
    )
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.json == data
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["openai-beta"] == "assistants=v2"
    assert sent.headers["x-request-id"] == "r-1"
    assert sent.headers["authorization"] == "Bearer sk-test1234"
    assert sent.query["trace"] == "true"
    assert sent.query["n"] == "2"
    assert "tag" in sent.query  # a list repeats the parameter (the server log keeps one)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods(method: str, openai: dict[str, Any], server: ScriptedServer) -> None:
    with Connector(**openai) as connector:
        connector.run("raw.request", {"path": "/things/1", "method": method, "data": {"a": 1}})
    assert (server.requests[0].method, server.requests[0].json) == (method, {"a": 1})


def test_form_and_file_data_as_multipart(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    audio = tmp_path / "speech.wav"
    audio.write_bytes(b"RIFF\x00\x00\x00\x00WAVEdata\x00\xff")
    face.run(
        "raw.request",
        {
            "path": "/audio/transcriptions",
            "method": "POST",
            "form_data": {"model": "whisper-1", "temperature": 0.2, "verbose": True},
            "file_data": {"file": str(audio), "extra": b"\x00\x01binary"},
            "file_data_file_names": {"extra": "extra.bin"},
        },
        **openai,
    )
    sent = server.requests[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    form = parse_multipart(sent)
    assert form["model"] == "whisper-1"
    assert form["temperature"] == "0.2"
    assert form["verbose"] == "true"
    assert form["file"][:2] == ("speech.wav", audio.read_bytes())
    assert form["extra"][:2] == ("extra.bin", b"\x00\x01binary")


@pytest.mark.parametrize(
    ("response_type", "reply", "body"),
    [
        ("json", Reply(json={"a": 1}), {"a": 1}),
        ("text", Reply(body=b"WEBVTT\n", headers={"content-type": "text/vtt"}), "WEBVTT\n"),
        (
            "binary",
            Reply(body=b"\x89PNG\x00", headers={"content-type": "image/png"}),
            b"\x89PNG\x00",
        ),
    ],
)
def test_response_types(
    response_type: str, reply: Reply, body: Any, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = reply
    with Connector(**openai) as connector:
        result = connector.run("raw.request", {"path": "/x", "response_type": response_type})
    assert result.body == body


def test_azure_path_is_under_openai_and_keeps_api_version(
    face: Face, server: ScriptedServer
) -> None:
    azure = {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}
    face.run(
        "raw.request",
        {
            "path": "/deployments/gpt4o/chat/completions",
            "method": "POST",
            "data": {"messages": [{"role": "user", "content": "Hi"}]},
            "query_params": {"extra": "1"},
        },
        **azure,
    )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/gpt4o/chat/completions"
    assert sent.query == {"api-version": "2024-10-21", "extra": "1"}
    assert sent.headers["api-key"] == AZURE_KEY


def test_error_status_carries_the_envelope(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(404, json={"error": {"message": "Unknown path", "code": None}})
    with Connector(**openai) as connector, pytest.raises(NotFound) as caught:
        connector.run("raw.request", {"path": "/nope"})
    assert caught.value.result.body == {"error": {"message": "Unknown path", "code": None}}


# ------------------------------------------------------------------ retries


def test_retry_settings_make_a_policy_for_this_call(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.script(Reply(400), Reply(400), Reply(400), Reply(json={"ok": True}))
    result = face.run(
        "raw.request",
        {
            "path": "/x",
            "max_retry_count": 3,
            "retry_delay_ms": 250,
            "use_exponential_backoff": False,
            "retry_on_all_errors": True,
        },
        **openai,
    )
    assert result.body == {"ok": True}
    assert result.attempts == 4
    assert face.sleeps == [0.25, 0.25, 0.25]


def test_exponential_backoff_doubles_the_delay(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.script(Reply(503), Reply(503), Reply(503), Reply(json={}))
    sleeps: list[float] = []
    retry = {"max_retries": 5, "jitter": False}
    with Connector(**openai, retry=retry, sleep=sleeps.append) as connector:
        connector.run(
            "raw.request",
            {
                "path": "/x",
                "max_retry_count": 3,
                "retry_delay_ms": 1000,
                "use_exponential_backoff": True,
            },
        )
    assert sleeps == [1.0, 2.0, 4.0]


def test_no_retries_when_max_retry_count_is_zero(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(500, json={"error": {"message": "boom"}})
    with (
        Connector(**openai, sleep=lambda s: None) as connector,
        pytest.raises(ServerError) as caught,
    ):
        connector.run("raw.request", {"path": "/x", "max_retry_count": 0})
    assert caught.value.result.attempts == 1
    assert len(server.requests) == 1


def test_a_4xx_is_not_retried_unless_asked(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(400, json={"error": {"message": "bad"}})
    with Connector(**openai, sleep=lambda s: None) as connector, pytest.raises(BadRequest):
        connector.run("raw.request", {"path": "/x", "max_retry_count": 5})
    assert len(server.requests) == 1


# -------------------------------------------------------------------- debug


def test_debug_logs_this_call_redacted(
    openai: dict[str, Any], server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="openai_connector.http")
    with Connector(**openai) as connector:
        connector.run("raw.request", {"path": "/quiet"})
        assert caplog.records == []
        connector.run("raw.request", {"path": "/loud", "debug": True})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET " in text and "/v1/loud" in text and "response 200" in text
    assert "/v1/quiet" not in text
    assert "sk-test1234" not in text


# ------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "path"),
        ({"path": ""}, "path"),
        ({"path": "models"}, "path"),
        ({"path": "https://evil.example/v1/models"}, "path"),
        ({"path": "//evil.example/v1/models"}, "path"),
        ({"path": "/redirect?to=https://evil.example"}, "path"),
        ({"path": "/x/https://evil.example"}, "path"),
        ({"path": "/x/https%3A%2F%2Fevil.example"}, "path"),
        ({"path": "/../admin"}, "path"),
        ({"path": "/files/%2e%2e/admin"}, "path"),
        ({"path": "/files/./x"}, "path"),
        ({"path": "/files\\..\\x"}, "path"),
        ({"path": "/models?limit=1"}, "path"),
        ({"path": "/models#x"}, "path"),
        ({"path": "/mo dels"}, "path"),
        ({"path": "/models\r\nHost: evil"}, "path"),
        ({"path": "/x", "method": "TRACE"}, "method"),
        ({"path": "/x", "method": "GET", "data": {"a": 1}}, "data"),
        ({"path": "/x", "method": "POST", "data": {"a": 1}, "form_data": {"b": "1"}}, "form_data"),
        (
            {"path": "/x", "method": "POST", "data": {"a": 1}, "file_data": {"f": b"1"}},
            "file_data",
        ),
        ({"path": "/x", "method": "GET", "form_data": {"b": "1"}}, "form_data"),
        ({"path": "/x", "method": "POST", "file_data": {"f": "/no/such/file"}}, "file_data"),
        (
            {"path": "/x", "method": "POST", "file_data_file_names": {"f": "f.bin"}},
            "file_data_file_names",
        ),
        ({"path": "/x", "form_data": {"nested": {"a": 1}}, "method": "POST"}, "form_data.nested"),
        ({"path": "/x", "headers": {"Authorization": "Bearer other"}}, "headers"),
        ({"path": "/x", "headers": {"api-key": "other"}}, "headers"),
        ({"path": "/x", "headers": {"Host": "evil.example"}}, "headers"),
        ({"path": "/x", "headers": {"Content-Type": "text/plain"}}, "headers"),
        ({"path": "/x", "headers": {"bad name": "v"}}, "headers"),
        ({"path": "/x", "headers": {"X-A": "v\r\nX-B: w"}}, "headers"),
        ({"path": "/x", "response_type": "xml"}, "response_type"),
        ({"path": "/x", "timeout": 0}, "timeout"),
        ({"path": "/x", "timeout": 30000}, "timeout"),
        ({"path": "/x", "max_retry_count": -1}, "max_retry_count"),
        ({"path": "/x", "max_retry_count": 51}, "max_retry_count"),
        ({"path": "/x", "retry_delay_ms": -5}, "retry_delay_ms"),
        ({"path": "/x", "url": "https://api.openai.com"}, "url"),
    ],
)
def test_refused_before_sending(
    params: dict[str, Any], field: str, openai: dict[str, Any], server: ScriptedServer
) -> None:
    error = refused(openai, params)
    assert error.field == field, error
    assert server.requests == []


def test_refusing_an_auth_header_says_why(openai: dict[str, Any]) -> None:
    error = refused(openai, {"path": "/x", "headers": {"Authorization": "Bearer other"}})
    assert "credentials" in str(error)
