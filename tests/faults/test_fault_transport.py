"""No usable response: resets, refused connections, timeouts, broken bodies."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from faces import Face
from openai_connector import (
    ConnectionFailed,
    InvalidResponse,
    RequestTimeout,
    RetryPolicy,
    TransportError,
)
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Reply, ScriptedServer, chat_body

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_reset_then_success_is_retried(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(reset=True), Reply(json=chat_body("second time lucky")))
    result = face.run("chat.create", CHAT, **conn)
    assert result.text == "second time lucky"
    assert result.attempts == 2
    assert len(face.sleeps) == 1
    assert len(server.requests) == 2


def test_connection_reset_every_time_gives_up_with_connection_failed(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = Reply(reset=True)
    with pytest.raises(ConnectionFailed) as caught:
        face.run("chat.create", CHAT, retry=RetryPolicy(max_retries=1), **conn)
    assert caught.value.attempts == 2
    assert len(server.requests) == 2


def test_connection_refused_is_a_connection_error(face: Face) -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    with pytest.raises(ConnectionFailed) as caught:
        face.run("chat.create", CHAT, provider="compatible", base_url=url, api_key="sk-x1234")
    error = caught.value
    assert isinstance(error, TransportError)
    assert error.code == "connection_error"
    assert exit_code_of(error) == 4
    assert error.source == "upstream"
    assert error.retryable is True
    assert error.attempts == 3  # the default policy retries connection errors twice
    assert len(face.sleeps) == 2
    assert url in str(error)
    assert error.hint and "server is running" in error.hint
    assert error.to_dict()["code"] == "connection_error"


def test_read_timeout_is_a_timeout(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = Reply(json=chat_body(), delay=2)
    with pytest.raises(RequestTimeout) as caught:
        face.run(
            "chat.create",
            CHAT,
            call={"timeout": 0.2},
            retry=RetryPolicy(max_retries=0),
            **conn,
        )
    error = caught.value
    assert error.code == "timeout"
    assert exit_code_of(error) == 4
    assert error.attempts == 1
    assert "0.2 s" in str(error)


def test_timeouts_are_retried(face: Face, server: ScriptedServer, conn: dict[str, Any]) -> None:
    server.script(Reply(json=chat_body(), delay=2), Reply(json=chat_body("quick")))
    result = face.run("chat.create", CHAT, call={"timeout": 0.2}, **conn)
    assert result.text == "quick"
    assert result.attempts == 2


def test_connection_timeout_setting_is_used_per_attempt(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = Reply(json=chat_body(), delay=2)
    with pytest.raises(RequestTimeout):
        face.run(
            "chat.create",
            CHAT,
            timeout={"total": 0.2},
            retry=RetryPolicy(max_retries=0),
            **conn,
        )


def test_overall_deadline_cuts_a_slow_attempt_short(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = Reply(json=chat_body(), delay=3)
    policy = RetryPolicy(max_retries=5, deadline=0.3)
    with pytest.raises(RequestTimeout) as caught:
        face.run("chat.create", CHAT, call={"timeout": 30}, retry=policy, **conn)
    # the first attempt used up the deadline: no time is left for another
    assert caught.value.attempts == 1
    assert face.sleeps == []


def test_invalid_json_in_a_200_is_an_invalid_response_carrying_the_text(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    text = b'{"choices": [ this is not json'
    server.default = Reply(body=text, headers={"content-type": "application/json"})
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn)
    error = caught.value
    assert error.code == "invalid_response"
    assert error.retryable is False
    assert error.result is not None
    assert error.result.status == 200
    assert error.result.body == text.decode()
    assert "this is not json" in str(error)
    assert len(server.requests) == 1  # broken JSON is not retried


def test_a_200_html_page_from_a_proxy_is_an_invalid_response(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = Reply(
        body=b"<html>captive portal</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn)
    assert caught.value.result is not None
    assert caught.value.result.body == "<html>captive portal</html>"
