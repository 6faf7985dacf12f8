"""raw.request streamed: any server-sent event stream, event by event, on both faces and the
command line; the body is the list of events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faces import Face
from openai_connector import StreamInterrupted
from scripted_server import Reply, ScriptedServer

EVENTS = (
    b"event: response.created\ndata: " + json.dumps({"type": "response.created"}).encode()
    + b"\n\n"
    b"data: plain text, not JSON\n\n"
    b"event: ping\ndata: 42\n\n"
    b"data: [DONE]\n\n"
    b"data: after the end\n\n"
)  # fmt: skip
BODY = [
    {"event": "response.created", "data": {"type": "response.created"}},
    {"event": None, "data": "plain text, not JSON"},
    {"event": "ping", "data": 42},
]
PARAMS = {"path": "/responses", "method": "POST", "data": {"model": "m", "stream": True}}


def streaming(server: ScriptedServer, body: bytes = EVENTS) -> None:
    server.default = Reply(body=body, headers={"content-type": "text/event-stream"})


def test_stream_yields_each_event_and_the_body_lists_them(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    streaming(server)
    chunks: list[Any] = []
    texts, result = face.stream("raw.request", PARAMS, on_chunk=chunks.append, **openai)
    assert [(c.event, c.data) for c in chunks] == [(e["event"], e["data"]) for e in BODY]
    assert "".join(texts) == '{"type": "response.created"}\nplain text, not JSON\n42'
    assert result.body == BODY
    assert result.extra["streamed"] is True
    sent = server.requests[0]
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.json == {"model": "m", "stream": True}  # the body as given


def test_run_with_stream_true_returns_the_events(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    streaming(server)
    result = face.run("raw.request", {**PARAMS, "stream": True}, **openai)
    assert result.body == BODY
    assert server.requests[0].headers["accept"] == "text/event-stream"


def test_an_event_stream_that_comes_unasked_is_read_the_same_way(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    streaming(server)
    result = face.run("raw.request", PARAMS, **openai)
    assert result.body == BODY
    assert server.requests[0].headers["accept"] == "application/json"


def test_a_stream_without_done_is_complete_and_a_cut_one_is_interrupted(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    streaming(server, b"data: {}\n\ndata: {}\n\n")
    _, result = face.stream("raw.request", PARAMS, **openai)
    assert result.body == [{"event": None, "data": {}}] * 2
    server.default = Reply(events=[{"a": 1}], done=False, cut=True)
    with pytest.raises(StreamInterrupted):
        face.stream("raw.request", PARAMS, **openai)


def test_a_secret_echoed_in_an_event_is_redacted(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    streaming(server, b'data: {"echo": "sk-test1234"}\n\n')
    texts, result = face.stream("raw.request", PARAMS, **openai)
    assert result.body == [{"event": None, "data": {"echo": "***"}}]
    assert "sk-test1234" not in "".join(texts)


def test_a_plain_answer_to_a_stream_request_is_the_usual_result(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json={"id": "x"})
    _, result = face.stream("raw.request", PARAMS, **openai)
    assert result.body == {"id": "x"}
    assert result.extra["streamed"] is False
