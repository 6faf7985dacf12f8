"""Stream events of the wrong shape or size: each is an InvalidResponse, never a crash.

A server sizes nothing unchecked: an ``index`` of 30,000,000 must not build a list of
30,000,000 tool calls. Each case runs on both faces.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from faces import Face
from openai_connector import InvalidResponse, StreamInterrupted
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Reply, ScriptedServer, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}
COMPLETION = {"model": "gpt-3.5-turbo-instruct", "prompt": "hi"}
HEAD = {"id": "c-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def chunk(choices: Any) -> dict[str, Any]:
    return {**HEAD, "choices": choices}


def tool_delta(call: Any) -> dict[str, Any]:
    return chunk([{"index": 0, "delta": {"tool_calls": [call]}}])


MALFORMED_CHAT = {
    "choice index null": chunk([{"index": None, "delta": {"content": "x"}}]),
    "choice index -1": chunk([{"index": -1, "delta": {"content": "x"}}]),
    "choice index a string": chunk([{"index": "0", "delta": {"content": "x"}}]),
    "choice index true": chunk([{"index": True, "delta": {"content": "x"}}]),
    "choice index huge": chunk([{"index": 30_000_000, "delta": {"content": "x"}}]),
    "choice index beyond n": chunk([{"index": 128, "delta": {"content": "x"}}]),
    "choices a string": chunk("abc"),
    "choices a number": chunk(7),
    "choices [null]": chunk([None]),
    "a choice a list": chunk([[1, 2]]),
    "delta a list": chunk([{"index": 0, "delta": ["a"]}]),
    "delta a string": chunk([{"index": 0, "delta": "a"}]),
    "content a number": chunk([{"index": 0, "delta": {"content": 5}}]),
    "content an object": chunk([{"index": 0, "delta": {"content": {"a": 1}}}]),
    "finish_reason a number": chunk([{"index": 0, "delta": {}, "finish_reason": 3}]),
    "logprobs a list": chunk([{"index": 0, "delta": {}, "logprobs": [1]}]),
    "logprobs.content a number": chunk([{"index": 0, "delta": {}, "logprobs": {"content": 1}}]),
    "tool call index huge": tool_delta({"index": 30_000_000, "function": {"name": "f"}}),
    "tool call index -1": tool_delta({"index": -1, "function": {"name": "f"}}),
    "tool call index null": tool_delta({"index": None, "function": {"name": "f"}}),
    "tool call index a float": tool_delta({"index": 1.0, "function": {"name": "f"}}),
    "tool call index 128": tool_delta({"index": 128, "function": {"name": "f"}}),
    "tool call null": tool_delta(None),
    "tool_calls a string": chunk([{"index": 0, "delta": {"tool_calls": "x"}}]),
    "function a list": tool_delta({"index": 0, "function": ["f"]}),
    "function name a number": tool_delta({"index": 0, "function": {"name": 1}}),
    "arguments an object": tool_delta({"index": 0, "function": {"arguments": {"a": 1}}}),
    "tool call id a number": tool_delta({"index": 0, "id": 5}),
    "function_call a string": chunk([{"index": 0, "delta": {"function_call": "f"}}]),
}


@pytest.mark.parametrize("event", MALFORMED_CHAT.values(), ids=MALFORMED_CHAT.keys())
def test_a_malformed_chat_event_is_an_invalid_response(
    face: Face, server: ScriptedServer, conn: dict[str, Any], event: dict[str, Any]
) -> None:
    server.script(Reply(events=[*chat_chunks(["Hel"])[:2], event]))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("chat.create", CHAT, **conn)
    error = caught.value
    assert error.code == "invalid_response"
    assert exit_code_of(error) == 4
    assert "chat.create: the stream sent" in error.message
    assert "expected" in error.message


MALFORMED_COMPLETION = {
    "text a number": {"choices": [{"index": 0, "text": 5}]},
    "logprobs a list": {"choices": [{"index": 0, "text": "a", "logprobs": [1]}]},
    "index huge": {"choices": [{"index": 10**12, "text": "a"}]},
    "choices an object": {"choices": {"index": 0}},
}


@pytest.mark.parametrize("event", MALFORMED_COMPLETION.values(), ids=MALFORMED_COMPLETION.keys())
def test_a_malformed_completion_event_is_an_invalid_response(
    face: Face, server: ScriptedServer, conn: dict[str, Any], event: dict[str, Any]
) -> None:
    server.script(Reply(events=[{"id": "c", "object": "text_completion", **event}]))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("completions.create", COMPLETION, **conn)
    assert "completions.create: the stream sent" in caught.value.message


def test_the_largest_tool_call_index_allowed_still_assembles(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    events = [
        tool_delta({"index": 127, "id": "call_9", "function": {"name": "f", "arguments": "{}"}}),
        chunk([{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]),
    ]
    server.script(Reply(events=events))
    _, result = face.stream("chat.create", CHAT, **conn)
    calls = result.body["choices"][0]["message"]["tool_calls"]
    assert len(calls) == 128
    assert calls[127]["id"] == "call_9"
    assert calls[127]["function"] == {"name": "f", "arguments": "{}"}


def test_odd_usage_gives_no_usage_not_an_error(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    events = [*chat_chunks(["ok"], usage=False), {**HEAD, "choices": [], "usage": ["x"]}]
    server.script(Reply(events=events))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["ok"]
    assert result.usage is None


def test_a_deeply_nested_event_is_an_invalid_response(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    deep = '{"choices": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    server.script(Reply(events=[*chat_chunks(["a"])[:2], deep]))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("chat.create", CHAT, **conn)
    assert "nested more than 200 levels deep" in caught.value.message


def test_an_event_nested_just_under_the_limit_is_read(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    nested = "[" * 190 + "]" * 190
    events = [*chat_chunks(["a"])[:2], '{"choices": [], "x": ' + nested + "}"]
    server.script(Reply(events=[*events, *chat_chunks(["a"])[2:]]))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["a"]
    assert result.text == "a"


# ----------------------------------------------------------------- the stream's framing


def sse(*events: Any) -> bytes:
    return b"".join(
        f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events
    )


@pytest.mark.parametrize(
    "media_type",
    ["Text/Event-Stream", "TEXT/EVENT-STREAM; charset=utf-8", "text/event-stream;charset=UTF-8"],
)
def test_the_media_type_is_case_insensitive_with_parameters(
    face: Face, server: ScriptedServer, conn: dict[str, Any], media_type: str
) -> None:
    body = sse(*chat_chunks(["Hel", "lo"]), "[DONE]")
    server.script(Reply(body=body, headers={"content-type": media_type}))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["Hel", "lo"]
    assert result.text == "Hello"
    assert result.extra["streamed"] is True


def test_a_byte_order_mark_before_the_first_event_is_ignored(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    body = b"\xef\xbb\xbf" + sse(*chat_chunks(["Hi"]), "[DONE]")
    server.script(Reply(body=body, headers={"content-type": "text/event-stream"}))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["Hi"]
    assert result.text == "Hi"


@pytest.mark.parametrize("done", ["[DONE] ", " [DONE]", "[DONE]\t"])
def test_done_with_spaces_around_it_ends_the_stream(
    face: Face, server: ScriptedServer, conn: dict[str, Any], done: str
) -> None:
    server.script(Reply(events=[*chat_chunks(["ok"]), done], done=False))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["ok"]
    assert result.text == "ok"


def test_events_after_done_are_ignored(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    after = [
        chunk([{"index": 0, "delta": {"content": " and more"}}]),
        "not json at all",
        chunk([{"index": 30_000_000, "delta": {"content": "x"}}]),
    ]
    server.script(Reply(events=[*chat_chunks(["ok"]), "[DONE]", *after], done=False))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["ok"]
    assert result.text == "ok"
    assert len(result.body["choices"]) == 1


def test_a_server_that_never_sends_a_newline_is_stopped(
    face: Face, server: ScriptedServer, conn: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from openai_connector.transport import sse as decoder

    monkeypatch.setattr(decoder, "MAX_EVENT_BYTES", 64 * 1024)
    body = b"data: " + b"x" * (256 * 1024)
    server.script(Reply(body=body, headers={"content-type": "text/event-stream"}))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("chat.create", CHAT, **conn)
    assert "longer than" in caught.value.message


# ------------------------------------------------------------------ the Responses API

RESPONSES = {"model": "gpt-4o-mini", "input": "hi"}


def completed(text: str = "Hi") -> dict[str, Any]:
    message = {"type": "message", "content": [{"type": "output_text", "text": text}]}
    return {"type": "response.completed", "response": {"id": "r", "output": [message]}}


MALFORMED_RESPONSES = {
    "output_index -1": {"type": "response.output_text.delta", "output_index": -1, "delta": "a"},
    "output_index null": {"type": "response.output_item.added", "output_index": None},
    "content_index huge": {
        "type": "response.output_text.delta",
        "output_index": 0,
        "content_index": 30_000_000,
        "delta": "a",
    },
    "summary_index a string": {
        "type": "response.reasoning_summary_part.added",
        "summary_index": "1",
    },
    "delta a number": {"type": "response.output_text.delta", "delta": 5},
    "type a number": {"type": 5},
    "response a list": {"type": "response.completed", "response": []},
    "failed response a string": {"type": "response.failed", "response": "x"},
    "incomplete details a list": {
        "type": "response.incomplete",
        "response": {"incomplete_details": ["x"]},
    },
}


@pytest.mark.parametrize("event", MALFORMED_RESPONSES.values(), ids=MALFORMED_RESPONSES.keys())
def test_a_malformed_responses_event_is_an_invalid_response(
    face: Face, server: ScriptedServer, conn: dict[str, Any], event: dict[str, Any]
) -> None:
    server.script(Reply(events=[event, completed()], done=False))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("responses.create", RESPONSES, **conn)
    assert caught.value.message.startswith("responses.create: the stream sent")


def test_a_responses_stream_with_odd_output_still_completes(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    odd = {"type": "response.completed", "response": {"id": "r", "output": 5}}
    server.script(Reply(events=[odd], done=False))
    _, result = face.stream("responses.create", RESPONSES, **conn)
    assert result.body["output_text"] == ""


def test_responses_events_after_completion_are_ignored(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    late = {"type": "error", "message": "late"}
    server.script(Reply(events=[completed("Hi"), late, "garbage"], done=False))
    _, result = face.stream("responses.create", RESPONSES, **conn)
    assert result.text == "Hi"


def test_a_provider_error_event_is_still_an_interruption(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=[{"type": "error", "message": "overloaded"}], done=False))
    with pytest.raises(StreamInterrupted):
        face.stream("responses.create", RESPONSES, **conn)
