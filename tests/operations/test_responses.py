"""responses.create / .retrieve / .delete: requests, limits, named-event streams, Azure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faces import Face
from openai_connector import Connector, InvalidInput, UnsupportedOperation
from openai_connector.errors import InvalidResponse, NotFound, StreamInterrupted
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"


def message(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def response(*texts: str, status: str = "completed", **extra: Any) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "model": "gpt-4o-mini",
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": []},
            *(message(text) for text in texts),
        ],
        "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
        **extra,
    }


def stream_events(pieces: list[str], final: dict[str, Any] | None = None) -> list[dict]:
    started = response(status="in_progress")
    started["output"] = []
    events: list[dict[str, Any]] = [
        {"type": "response.created", "sequence_number": 0, "response": started},
        {"type": "response.in_progress", "sequence_number": 1, "response": started},
        {
            "type": "response.output_item.added",
            "sequence_number": 2,
            "output_index": 0,
            "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []},
        },
    ]
    for piece in pieces:
        events.append(
            {
                "type": "response.output_text.delta",
                "sequence_number": len(events),
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "delta": piece,
                "logprobs": [],
            }
        )
    events.append(
        {
            "type": "response.output_text.done",
            "sequence_number": len(events),
            "item_id": "msg_1",
            "output_index": 0,
            "content_index": 0,
            "text": "".join(pieces),
        }
    )
    events.append(
        {
            "type": "response.completed",
            "sequence_number": len(events),
            "response": final or response("".join(pieces)),
        }
    )
    return events


def named_sse(events: list[dict[str, Any]]) -> bytes:
    """The wire format OpenAI uses: an ``event:`` line naming each event, then its data."""
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


# ------------------------------------------------------------------ create


def test_minimal_call(face: Face, server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=response("Hello!")))
    result = face.run("responses.create", {"model": "gpt-4o-mini", "input": "Hi"}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/responses")
    assert sent.json == {"model": "gpt-4o-mini", "input": "Hi"}
    assert result.body == {**response("Hello!"), "output_text": "Hello!"}
    assert result.text == "Hello!"
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (5, 2)


def test_every_parameter_is_sent_exactly(server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=response("{}")))
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    params = {
        "model": "gpt-5",
        "input": [
            {"role": "developer", "content": "Answer in JSON."},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this image?"},
                    {"type": "input_image", "image_url": "https://x/y.png"},
                ],
            },
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
                "parameters": {"type": "object", "properties": {}},
                "strict": True,
            },
            {"type": "web_search"},
        ],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": False,
        "max_tool_calls": 4,
        "text": {
            "format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True},
            "verbosity": "low",
        },
        "reasoning": {"effort": "low", "summary": "auto"},
        "previous_response_id": "resp_0",
        "store": False,
        "background": False,
        "include": ["message.output_text.logprobs"],
        "metadata": {"case": "42", "k" * 64: "v" * 512},
        "truncation": "auto",
        "service_tier": "flex",
        "user": "user-1",
        "safety_identifier": "hash-1",
        "prompt_cache_key": "cache-1",
    }
    Connector(**openai).run("responses.create", params)
    assert server.requests[0].json == params


def test_default_model_and_instructions_alias(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(json=response("ok")))
    Connector(**openai, default_model="gpt-4.1").run(
        "responses.create", {"input": "x", "system": "Be kind."}
    )
    assert server.requests[0].json == {"model": "gpt-4.1", "input": "x", "instructions": "Be kind."}


def test_a_body_with_output_text_is_left_as_sent(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    body = {**response("a", "b"), "output_text": "from the server"}
    server.script(Reply(json=body), Reply(json=response("a", "b")))
    with Connector(**openai) as connector:
        kept = connector.run("responses.create", {"model": "m", "input": "x"})
        joined = connector.run("responses.create", {"model": "m", "input": "x"})
    assert kept.body == body
    assert joined.body["output_text"] == "ab"


def test_error_status_raises_with_the_envelope(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    error = {"error": {"message": "Previous response not found", "code": "not_found"}}
    server.script(Reply(status=404, json=error))
    with pytest.raises(NotFound) as caught:
        face.run(
            "responses.create",
            {"model": "m", "input": "x", "previous_response_id": "resp_gone"},
            **openai,
        )
    assert caught.value.status == 404
    assert caught.value.result.body == error


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"input": ""}, "input"),
        ({"input": []}, "input"),
        ({"input": None}, "input"),
        ({"input": [{"role": "robot", "content": "x"}]}, "input"),
        ({"input": [{"role": "user", "content": ""}]}, "input"),
        ({"input": [{"call_id": "c"}]}, "input"),
        ({"max_output_tokens": 15}, "max_output_tokens"),
        ({"temperature": 2.1}, "temperature"),
        ({"top_p": 1.1}, "top_p"),
        ({"top_logprobs": 21}, "top_logprobs"),
        ({"tools": [{"name": "f"}]}, "tools"),
        ({"tools": [{"type": "function"}]}, "tools"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"tool_choice": {"type": "function"}}, "tool_choice"),
        ({"text": {"format": {"type": "json_schema", "name": "a"}}}, "text"),
        ({"text": {"format": {"type": "yaml"}}}, "text"),
        ({"text": {"verbosity": "chatty"}}, "text"),
        ({"reasoning": {"effort": "extreme"}}, "reasoning"),
        ({"metadata": {str(i): "v" for i in range(17)}}, "metadata"),
        ({"metadata": {"k" * 65: "v"}}, "metadata"),
        ({"metadata": {"k": "v" * 513}}, "metadata"),
        ({"truncation": "sometimes"}, "truncation"),
        ({"safety_identifier": "s" * 65}, "safety_identifier"),
        ({"previous_response_id": ""}, "previous_response_id"),
        ({"max_tokens": 100}, "max_tokens"),
    ],
)
def test_documented_limits_are_refused_before_sending(
    server: ScriptedServer, openai: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    full = {"model": "gpt-4o-mini", "input": "x", **params}
    with pytest.raises(InvalidInput) as caught:
        Connector(**openai).run("responses.create", full)
    assert caught.value.field is not None
    assert caught.value.field.split(".")[0] == field
    assert field in str(caught.value)
    assert server.requests == []


# -------------------------------------------------------------- streaming


def test_stream_yields_text_and_ends_with_the_completed_response(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(events=stream_events(["Hel", "lo", "!"]), done=False))
    kinds: list[str] = []
    texts, result = face.stream(
        "responses.create",
        {"model": "gpt-4o-mini", "input": "Hi"},
        on_chunk=lambda c: kinds.append(c.event),
        **openai,
    )
    assert server.requests[0].json == {"model": "gpt-4o-mini", "input": "Hi", "stream": True}
    assert server.requests[0].headers["accept"] == "text/event-stream"
    assert texts == ["Hel", "lo", "!"]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.done" in kinds
    assert result.body == {**response("Hello!"), "output_text": "Hello!"}
    assert result.text == "Hello!"
    assert result.usage is not None and result.usage.total_tokens == 7
    assert result.meta()["streamed"] is True


def test_named_events_on_the_wire_are_read(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    body = named_sse(stream_events(["a", "b"]))
    server.script(Reply(body=body, headers={"content-type": "text/event-stream"}))
    texts, result = face.stream("responses.create", {"model": "m", "input": "x"}, **openai)
    assert texts == ["a", "b"]
    assert result.text == "ab"


def test_run_with_stream_true_returns_the_final_response(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(events=stream_events(["ok"]), done=False))
    result = Connector(**openai).run(
        "responses.create", {"model": "m", "input": "x", "stream": True}
    )
    assert result.body["id"] == "resp_1"
    assert result.text == "ok"


def test_an_incomplete_response_is_a_clear_error_with_the_partial_body(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    partial = response(
        "Hel", status="incomplete", incomplete_details={"reason": "max_output_tokens"}
    )
    events = stream_events(["Hel"])
    events[-1] = {"type": "response.incomplete", "sequence_number": 9, "response": partial}
    server.script(Reply(events=events, done=False))
    with pytest.raises(InvalidResponse) as caught:
        face.stream(
            "responses.create", {"model": "m", "input": "x", "max_output_tokens": 16}, **openai
        )
    assert "incomplete" in str(caught.value)
    assert "max_output_tokens" in str(caught.value)
    assert caught.value.result is not None
    assert caught.value.result.body["output_text"] == "Hel"
    assert caught.value.result.body["incomplete_details"] == {"reason": "max_output_tokens"}


def test_a_failed_response_is_a_clear_error(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    failed = response(status="failed", error={"code": "server_error", "message": "boom"})
    events = stream_events([])
    events[-1] = {"type": "response.failed", "sequence_number": 5, "response": failed}
    server.script(Reply(events=events, done=False))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("responses.create", {"model": "m", "input": "x"}, **openai)
    assert "failed" in str(caught.value)
    assert "server_error: boom" in str(caught.value)


def test_an_error_event_interrupts_the_stream(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    events = stream_events(["a"])[:4]
    events.append({"type": "error", "code": "rate_limit_exceeded", "message": "slow down"})
    server.script(Reply(events=events, done=False))
    with pytest.raises(StreamInterrupted) as caught:
        face.stream("responses.create", {"model": "m", "input": "x"}, **openai)
    assert "slow down" in str(caught.value)


def test_a_stream_without_response_completed_is_incomplete(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(events=stream_events(["a"])[:-1], done=True))
    with pytest.raises(StreamInterrupted):
        face.stream("responses.create", {"model": "m", "input": "x"}, **openai)


# ------------------------------------------------------- retrieve, delete


def test_retrieve(face: Face, server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=response("stored")))
    result = face.run(
        "responses.retrieve",
        {"response_id": "resp_1", "include": ["message.output_text.logprobs"]},
        **openai,
    )
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("GET", "/v1/responses/resp_1")
    assert sent.query == {"include": "message.output_text.logprobs"}
    assert sent.body == b""
    assert result.text == "stored"


def test_retrieve_minimal_and_not_found(server: ScriptedServer, openai: dict[str, Any]) -> None:
    error = {"error": {"message": "No response with id 'resp_x'", "type": "invalid_request_error"}}
    server.script(Reply(status=404, json=error))
    with pytest.raises(NotFound) as caught:
        Connector(**openai).run("responses.retrieve", {"id": "resp_x"})
    assert server.requests[0].path == "/v1/responses/resp_x"
    assert server.requests[0].query == {}
    assert caught.value.result.body == error


def test_delete(face: Face, server: ScriptedServer, openai: dict[str, Any]) -> None:
    deleted = {"id": "resp_1", "object": "response.deleted", "deleted": True}
    server.script(Reply(json=deleted))
    result = face.run("responses.delete", {"response_id": "resp_1"}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == ("DELETE", "/v1/responses/resp_1", {})
    assert result.body == deleted


def test_the_response_id_is_url_encoded(server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json={"deleted": True}))
    Connector(**openai).run("responses.delete", {"response_id": "../files?x=1"})
    assert server.requests[0].path == "/v1/responses/../files?x=1"  # decoded by the server
    assert server.requests[0].query == {}


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("responses.retrieve", {"response_id": ""}, "response_id"),
        ("responses.retrieve", {}, "response_id"),
        ("responses.delete", {"response_id": ""}, "response_id"),
        ("responses.delete", {"response_id": "r", "include": ["x"]}, "include"),
    ],
)
def test_bad_ids_are_refused_before_sending(
    server: ScriptedServer,
    openai: dict[str, Any],
    operation: str,
    params: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Connector(**openai).run(operation, params)
    assert caught.value.field == field
    assert server.requests == []


# ------------------------------------------------------------------ Azure


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("responses.create", {"model": "m", "input": "x"}),
        ("responses.retrieve", {"response_id": "resp_1"}),
        ("responses.delete", {"response_id": "resp_1"}),
    ],
)
def test_azure_is_refused_before_sending_naming_the_api_needed(
    server: ScriptedServer, operation: str, params: dict[str, Any]
) -> None:
    with (
        Connector(provider="azure", endpoint=server.url, api_key=AZURE_KEY) as azure,
        pytest.raises(UnsupportedOperation) as caught,
    ):
        azure.run(operation, params)
    assert "2024-10-21" in str(caught.value)
    assert "2025-03-01-preview" in str(caught.value)
    assert "/openai/v1/responses" in str(caught.value)
    assert server.requests == []


def test_azure_stream_is_refused_before_sending(server: ScriptedServer) -> None:
    with (
        Connector(provider="azure", endpoint=server.url, api_key=AZURE_KEY) as azure,
        pytest.raises(UnsupportedOperation),
    ):
        azure.stream("responses.create", {"model": "m", "input": "x"})
    assert server.requests == []
