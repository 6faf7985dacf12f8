"""Strict OpenAI-compatible servers: stream usage can be turned off; compressed answers are
read (both faces)."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from openai_connector import build_connection, load_config
from openai_connector.errors import ConfigError, InvalidResponse
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks


def compatible(server: ScriptedServer, **fields: Any) -> dict[str, Any]:
    return {"provider": "compatible", "base_url": server.url + "/v1", **fields}


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("chat.create", {"model": "m", "prompt": "Hi"}),
        ("completions.create", {"model": "m", "prompt": "Hi"}),
    ],
)
def test_stream_usage_is_asked_for_by_default(
    face: Face, server: ScriptedServer, operation: str, params: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["a"])))
    face.stream(operation, params, **compatible(server))
    sent = server.requests[0].json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("chat.create", {"model": "m", "prompt": "Hi"}),
        ("completions.create", {"model": "m", "prompt": "Hi"}),
    ],
)
def test_stream_usage_off_sends_no_stream_options(
    face: Face, server: ScriptedServer, operation: str, params: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["a"], usage=False)))
    face.stream(operation, params, **compatible(server, stream_usage=False))
    sent = server.requests[0].json
    assert sent["stream"] is True
    assert "stream_options" not in sent


def test_stream_usage_off_still_streams_text(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(events=chat_chunks(["Hel", "lo"], usage=False)))
    texts, result = face.stream(
        "chat.create", {"model": "m", "prompt": "Hi"}, **compatible(server, stream_usage=False)
    )
    assert texts == ["Hel", "lo"]
    assert result.body["choices"][0]["message"]["content"] == "Hello"
    assert result.usage is None


def test_stream_usage_from_a_config_profile(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[connections.local]\nprovider = "compatible"\nbase_url = "http://127.0.0.1:9/v1"\n'
        "stream_usage = false\n"
    )
    connection = build_connection({}, profile="local", config=load_config(config))
    assert connection.stream_usage is False


def test_stream_usage_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="stream_usage"):
        build_connection({"provider": "compatible", "base_url": "http://x/v1", "stream_usage": 7})


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_answer_is_decoded(face: Face, server: ScriptedServer, encoding: str) -> None:
    body = chat_body("Squeezed")
    raw = json.dumps(body).encode()
    packed = gzip.compress(raw) if encoding == "gzip" else zlib.compress(raw)
    server.script(
        Reply(
            body=packed,
            headers={"content-type": "application/json", "content-encoding": encoding},
        )
    )
    result = face.run("chat.create", {"model": "m", "prompt": "Hi"}, **compatible(server))
    assert result.body == body
    sent = server.requests[0]
    assert {k.lower(): v for k, v in sent.headers.items()}["accept-encoding"] == "gzip, deflate"


def test_a_compressed_stream_is_decoded(face: Face, server: ScriptedServer) -> None:
    events = "".join(f"data: {json.dumps(c)}\n\n" for c in chat_chunks(["Hi", "!"]))
    packed = gzip.compress((events + "data: [DONE]\n\n").encode())
    server.script(
        Reply(
            body=packed,
            headers={"content-type": "text/event-stream", "content-encoding": "gzip"},
        )
    )
    texts, result = face.stream("chat.create", {"model": "m", "prompt": "Hi"}, **compatible(server))
    assert texts == ["Hi", "!"]
    assert result.body["choices"][0]["message"]["content"] == "Hi!"


def test_a_compressed_answer_past_the_size_cap_is_refused(
    face: Face, server: ScriptedServer
) -> None:
    raw = json.dumps(chat_body("x" * 200_000)).encode()
    server.script(
        Reply(
            body=gzip.compress(raw),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
    )
    with pytest.raises(InvalidResponse, match="max_response_bytes"):
        face.run(
            "chat.create",
            {"model": "m", "prompt": "Hi"},
            **compatible(server, network={"max_response_bytes": 50_000}),
        )
