"""chat.create: the request it sends, what it returns, and the input it refuses."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from openai_connector import AsyncConnector, Connector, InvalidInput, UnsupportedOperation
from openai_connector.errors import BadRequest, StreamInterrupted
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks


def connector(server: ScriptedServer, **fields: Any) -> Connector:
    settings = {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
    settings.update(fields)
    return Connector(**settings)


def test_minimal_call_sends_prompt_as_user_message(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body("Hi!")))
    result = connector(server).run("chat.create", {"model": "gpt-4o-mini", "prompt": "Hello"})
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.json == {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
    assert sent.headers["authorization"] == "Bearer sk-test1234"
    assert sent.headers["content-type"] == "application/json"
    assert result.status == 200
    assert result.text == "Hi!"
    assert result.body == chat_body("Hi!")
    assert result.usage is not None and result.usage.total_tokens == 7
    assert set(result.envelope()) == {"status", "headers", "body"}


def test_all_parameters_are_sent(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    params = {
        "model": "gpt-4o",
        "system": "Be brief.",
        "history": json.dumps(
            [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"},
            ]
        ),
        "prompt": "And now?",
        "temperature": 0.75,
        "top_p": 0.5,
        "n": 2,
        "max_tokens": 50,
        "stop": ["\n", "END"],
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "seed": 42,
        "user": "u-1",
        "logit_bias": {"50256": -100},
        "logprobs": True,
        "top_logprobs": 2,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema, "strict": True},
        },
        "tools": [
            {
                "type": "function",
                "function": {"name": "get_weather", "parameters": {"type": "object"}},
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "parallel_tool_calls": False,
    }
    connector(server).run("chat.create", params)
    sent = server.requests[0].json
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "And now?"},
    ]
    expected = {k: v for k, v in params.items() if k not in ("system", "history", "prompt")}
    for key, value in expected.items():
        assert sent[key] == value, key
    assert sent["response_format"]["json_schema"]["schema"] == schema


def test_max_tokens_becomes_max_completion_tokens_for_reasoning_models(
    server: ScriptedServer,
) -> None:
    server.script(Reply(json=chat_body()), Reply(json=chat_body()))
    c = connector(server)
    c.run("chat.create", {"model": "o3-mini", "prompt": "x", "max_tokens": 10})
    c.run("chat.create", {"model": "gpt-4o", "prompt": "x", "max_tokens": 10})
    assert "max_tokens" not in server.requests[0].json
    assert server.requests[0].json["max_completion_tokens"] == 10
    assert server.requests[1].json["max_tokens"] == 10


def test_legacy_functions_and_vision_parts(server: ScriptedServer, tmp_path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    server.script(Reply(json=chat_body()))
    connector(server).run(
        "chat.create",
        {
            "model": "gpt-4o",
            "prompt": "What is this?",
            "images": [str(image), "https://x/y.png"],
            "image_detail": "low",
            "functions": [{"name": "f", "parameters": {"type": "object"}}],
            "function_call": {"name": "f"},
        },
    )
    sent = server.requests[0].json
    content = sent["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What is this?"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert content[1]["image_url"]["detail"] == "low"
    assert content[2]["image_url"]["url"] == "https://x/y.png"
    assert sent["functions"][0]["name"] == "f"
    assert sent["function_call"] == {"name": "f"}
    assert "images" not in sent and "image_detail" not in sent


def test_default_model_comes_from_the_connection(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    connector(server, default_model="my-model").run("chat.create", {"prompt": "x"})
    assert server.requests[0].json["model"] == "my-model"


def test_error_status_raises_with_the_envelope(server: ScriptedServer) -> None:
    error = {
        "error": {
            "message": "bad model",
            "type": "invalid_request_error",
            "code": "model_not_found",
        }
    }
    server.script(Reply(status=400, json=error))
    with pytest.raises(BadRequest) as caught:
        connector(server).run("chat.create", {"model": "nope", "prompt": "x"})
    assert caught.value.status == 400
    assert caught.value.result.body == error
    assert "bad model" in str(caught.value)
    assert caught.value.to_dict()["response"]["body"] == error


def test_stream_yields_text_and_assembles_the_same_shape(server: ScriptedServer) -> None:
    server.script(Reply(events=chat_chunks(["Hel", "lo", "!"])))
    stream = connector(server).stream("chat.create", {"model": "m", "prompt": "x"})
    pieces = [chunk.text for chunk in stream if chunk.text]
    assert pieces == ["Hel", "lo", "!"]
    sent = server.requests[0].json
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert stream.result is not None
    body = stream.result.body
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Hello!"}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert stream.result.usage is not None and stream.result.usage.completion_tokens == 3
    assert stream.result.meta()["streamed"] is True


def test_run_with_stream_true_returns_the_assembled_result(server: ScriptedServer) -> None:
    server.script(Reply(events=chat_chunks(["a", "b"])))
    result = connector(server).run("chat.create", {"model": "m", "prompt": "x", "stream": True})
    assert result.text == "ab"


def test_async_stream_assembles_tool_calls(server: ScriptedServer) -> None:
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    events = [
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "get_", "arguments": ""},
                            }
                        ],
                    },
                }
            ],
        },
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "function": {"name": "weather", "arguments": '{"city":'}}
                        ]
                    },
                }
            ],
        },
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]},
                    "finish_reason": "tool_calls",
                }
            ],
        },
    ]
    server.script(Reply(events=events))

    async def go() -> Any:
        async with AsyncConnector(provider="compatible", base_url=server.url + "/v1") as c:
            stream = c.stream("chat.create", {"model": "m", "prompt": "weather?"})
            async for _ in stream:
                pass
            return stream.result

    result = asyncio.run(go())
    message = result.body["choices"][0]["message"]
    assert message["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
        }
    ]
    assert result.body["choices"][0]["finish_reason"] == "tool_calls"


def test_stream_without_done_is_an_error(server: ScriptedServer) -> None:
    server.script(Reply(events=chat_chunks(["a"]), done=False))
    with pytest.raises(StreamInterrupted):
        connector(server).run("chat.create", {"model": "m", "prompt": "x", "stream": True})


def test_azure_request_shape(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    c = Connector(provider="azure", endpoint=server.url, api_key="0123456789abcdef" * 2)
    c.run("chat.create", {"model": "my deployment", "prompt": "x"})
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/my deployment/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == "0123456789abcdef" * 2
    assert "authorization" not in sent.headers
    assert "model" not in sent.json


# ------------------------------------------------------------------ bad input

BAD_INPUT = [
    ("temperature", {"temperature": 2.001}),
    ("temperature", {"temperature": -1}),
    ("temperature", {"temperature": 3}),
    ("temperature", {"temperature": "abc"}),
    ("temperature", {"temperature": 0.123}),
    ("top_p", {"top_p": 1.5}),
    ("n", {"n": 0}),
    ("n", {"n": -2}),
    ("n", {"n": "many"}),
    ("stop", {"stop": ["a", "b", "c", "d", "e"]}),
    ("presence_penalty", {"presence_penalty": 2.5}),
    ("frequency_penalty", {"frequency_penalty": -3}),
    ("max_tokens", {"max_tokens": 0}),
    ("top_logprobs", {"top_logprobs": 21}),
    ("logit_bias", {"logit_bias": {"1": 101}}),
    ("history", {"history": "[{not json"}),
    ("history.0.role", {"history": [{"role": "wizard", "content": "hi"}]}),
    ("history.0", {"history": [{"role": "user"}]}),
    ("history.0", {"history": [{"role": "tool", "content": "42"}]}),
    ("response_format", {"response_format": {"type": "json_schema"}}),
    ("response_format.type", {"response_format": {"type": "yaml"}}),
    ("tools.0.function", {"tools": [{"type": "function"}]}),
    ("tool_choice", {"tool_choice": {"type": "function", "function": {}}}),
    ("prompt.0.type", {"prompt": [{"type": "video", "video": "x"}]}),
    ("prompt.0", {"prompt": [{"type": "image_url", "image_url": {"detail": "low"}}]}),
    ("colour", {"colour": "blue"}),
]


@pytest.mark.parametrize(
    ("field", "change"), BAD_INPUT, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_field_and_sends_nothing(
    server: ScriptedServer, field: str, change: dict[str, Any]
) -> None:
    params = {"model": "gpt-4o", "prompt": "hi", **change}
    with pytest.raises(InvalidInput) as caught:
        connector(server).run("chat.create", params)
    assert caught.value.field is not None
    assert caught.value.field.startswith(field), caught.value.errors
    assert field.split(".", maxsplit=1)[0] in str(caught.value)
    assert caught.value.code == "invalid_input"
    assert server.requests == []


def test_no_prompt_and_no_history_is_refused(server: ScriptedServer) -> None:
    with pytest.raises(InvalidInput, match="prompt or a chat history"):
        connector(server).run("chat.create", {"model": "m"})
    assert server.requests == []


def test_no_model_anywhere_is_refused(server: ScriptedServer) -> None:
    # a compatible server that lists no models: only its model list is asked for
    with pytest.raises(InvalidInput, match="offers no models") as caught:
        connector(server).run("chat.create", {"prompt": "x"})
    assert caught.value.field == "model"
    assert [r.path for r in server.requests] == ["/v1/models"]


def test_data_sources_only_on_azure(server: ScriptedServer) -> None:
    with pytest.raises(UnsupportedOperation, match="data_sources"):
        connector(server).run(
            "chat.create",
            {
                "model": "m",
                "prompt": "x",
                "data_sources": [{"type": "azure_search", "parameters": {}}],
            },
        )
    assert server.requests == []
