"""completions.create: the legacy text completion request, its limits, and its stream."""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from openai_connector import Connector, InvalidInput
from openai_connector.constants import DEFAULT_MODELS
from openai_connector.errors import BadRequest, ServerError, StreamInterrupted
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"


def completion_body(*texts: str) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1700000000,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [
            {"text": text, "index": i, "logprobs": None, "finish_reason": "stop"}
            for i, text in enumerate(texts)
        ],
        "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
    }


HEAD = {
    "id": "cmpl-1",
    "object": "text_completion",
    "created": 1700000000,
    "model": "gpt-3.5-turbo-instruct",
}


def chunk(index: int, text: str, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"text": text, "index": index, "logprobs": None, "finish_reason": finish, **extra}
    return {**HEAD, "choices": [choice]}


USAGE_CHUNK = {
    **HEAD,
    "choices": [],
    "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
}


def test_minimal_call(face: Face, server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=completion_body(" world")))
    result = face.run(
        "completions.create", {"model": "gpt-3.5-turbo-instruct", "prompt": "Hello"}, **openai
    )
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/completions")
    assert sent.json == {"model": "gpt-3.5-turbo-instruct", "prompt": "Hello"}
    assert result.body == completion_body(" world")
    assert result.text == " world"
    assert result.usage is not None and result.usage.total_tokens == 7


def test_every_parameter_is_sent_exactly(server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=completion_body("a", "b")))
    params = {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": ["Once", "Twice"],
        "suffix": " The end.",
        "max_tokens": 32,
        "temperature": 0.725,
        "top_p": 0.9,
        "n": 2,
        "stop": ["\n", "END"],
        "logprobs": 5,
        "echo": True,
        "best_of": 3,
        "presence_penalty": 0.5,
        "frequency_penalty": -1.5,
        "logit_bias": {"50256": -100, "11": 100},
        "seed": 7,
        "user": "user-1",
    }
    Connector(**openai).run("completions.create", params)
    assert server.requests[0].json == params


def test_token_prompts_and_the_connection_default_model(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(json=completion_body("x")), Reply(json=completion_body("y")))
    with Connector(**openai, default_model="davinci-002") as connector:
        connector.run("completions.create", {"prompt": [1212, 318]})
        connector.run("completions.create", {"prompt": [[1212], [318, 257]], "stop": "\n"})
    assert server.requests[0].json == {"model": "davinci-002", "prompt": [1212, 318]}
    assert server.requests[1].json == {
        "model": "davinci-002",
        "prompt": [[1212], [318, 257]],
        "stop": "\n",
    }


def test_azure_sends_to_the_deployment_without_model(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(json=completion_body("ok")))
    face.run(
        "completions.create",
        {"model": "my-instruct", "prompt": "Hi", "max_tokens": 5},
        provider="azure",
        endpoint=server.url,
        api_key=AZURE_KEY,
    )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/my-instruct/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == AZURE_KEY
    assert sent.json == {"prompt": "Hi", "max_tokens": 5}


def test_error_status_raises_with_the_envelope(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    error = {"error": {"message": "This model is not supported", "code": "model_not_found"}}
    server.script(Reply(status=400, json=error))
    with pytest.raises(BadRequest) as caught:
        face.run("completions.create", {"model": "gpt-4o", "prompt": "x"}, **openai)
    assert caught.value.status == 400
    assert caught.value.result.body == error
    assert "not supported" in str(caught.value)


def test_server_error_after_retries(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.default = Reply(status=503, json={"error": {"message": "busy"}})
    with pytest.raises(ServerError):
        face.run("completions.create", {"model": "m", "prompt": "x"}, **openai)
    assert len(server.requests) == 3  # the first try and two retries (no real sleeping)
    assert len(face.sleeps) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"temperature": 2.01}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"n": 0}, "n"),
        ({"n": 129}, "n"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"stop": []}, "stop"),
        ({"logprobs": 6}, "logprobs"),
        ({"logprobs": -1}, "logprobs"),
        ({"best_of": 21}, "best_of"),
        ({"n": 3, "best_of": 2}, "best_of"),
        ({"best_of": 2, "stream": True}, "best_of"),
        ({"presence_penalty": 2.5}, "presence_penalty"),
        ({"frequency_penalty": -2.5}, "frequency_penalty"),
        ({"logit_bias": {"50256": -101}}, "logit_bias"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"prompt": []}, "prompt"),
        ({"prompt": [[1], []]}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"temprature": 1}, "temprature"),
    ],
)
def test_documented_limits_are_refused_before_sending(
    server: ScriptedServer, openai: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    full = {"model": "gpt-3.5-turbo-instruct", "prompt": "x", **params}
    with pytest.raises(InvalidInput) as caught:
        Connector(**openai).run("completions.create", full)
    assert caught.value.field is not None
    assert caught.value.field.split(".")[0] == field
    assert field in str(caught.value)
    assert server.requests == []


def test_no_model_on_openai_is_the_documented_completion_model() -> None:
    from openai_connector.connection import Connection
    from openai_connector.operations.base import Context
    from openai_connector.operations.registry import get

    op = get("completions.create")
    spec = op.request(op.input.model_validate({"prompt": "x"}), Context(Connection()))
    assert spec.json["model"] == DEFAULT_MODELS["completion"]


def test_no_deployment_on_azure_is_refused_before_sending(server: ScriptedServer) -> None:
    azure = Connector(provider="azure", endpoint=server.url, api_key="k")
    with pytest.raises(InvalidInput, match="no deployment name given") as caught:
        azure.run("completions.create", {"prompt": "x"})
    assert caught.value.field == "model"
    assert server.requests == []


def test_stream_yields_text_and_assembles_a_text_completion(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    events = [
        chunk(0, "Hel"),
        chunk(0, "lo"),
        chunk(0, "!", "stop"),
        USAGE_CHUNK,
    ]
    server.script(Reply(events=events))
    texts, result = face.stream(
        "completions.create", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say"}, **openai
    )
    assert texts == ["Hel", "lo", "!"]
    sent = server.requests[0].json
    assert sent == {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "Say",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert result.body == {
        **HEAD,
        "choices": [{"index": 0, "text": "Hello!", "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
    }
    assert result.text == "Hello!"
    assert result.usage is not None and result.usage.completion_tokens == 3
    assert result.meta()["streamed"] is True


def test_stream_of_several_choices_merges_logprobs(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    def lp(token: str, value: float, offset: int) -> dict[str, Any]:
        return {
            "logprobs": {
                "tokens": [token],
                "token_logprobs": [value],
                "top_logprobs": [{token: value}],
                "text_offset": [offset],
            }
        }

    events = [
        {**HEAD, "choices": [{"text": "A", "index": 0, "finish_reason": None, **lp("A", -0.1, 0)}]},
        {**HEAD, "choices": [{"text": "B", "index": 1, "finish_reason": None, **lp("B", -0.2, 0)}]},
        {
            **HEAD,
            "choices": [{"text": "a", "index": 0, "finish_reason": "length", **lp("a", -0.3, 1)}],
        },
        {
            **HEAD,
            "choices": [{"text": "b", "index": 1, "finish_reason": "stop", **lp("b", -0.4, 1)}],
        },
    ]
    server.script(Reply(events=events))
    texts, result = face.stream(
        "completions.create", {"model": "m", "prompt": "x", "n": 2, "logprobs": 1}, **openai
    )
    assert texts == ["A", "a"]  # the text of the first choice
    first, second = result.body["choices"]
    assert (first["text"], first["finish_reason"]) == ("Aa", "length")
    assert (second["text"], second["finish_reason"]) == ("Bb", "stop")
    assert first["logprobs"] == {
        "tokens": ["A", "a"],
        "token_logprobs": [-0.1, -0.3],
        "top_logprobs": [{"A": -0.1}, {"a": -0.3}],
        "text_offset": [0, 1],
    }
    assert "usage" not in result.body


def test_run_with_stream_true_returns_the_assembled_body(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(events=[chunk(0, "ok", "stop"), USAGE_CHUNK]))
    result = Connector(**openai).run(
        "completions.create", {"model": "m", "prompt": "x", "stream": True}
    )
    assert result.text == "ok"
    assert result.body["object"] == "text_completion"


def test_an_error_event_in_the_stream_is_an_interruption(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    events = [chunk(0, "Hel"), {"error": {"message": "overloaded", "type": "server_error"}}]
    server.script(Reply(events=events, done=False))
    with pytest.raises(StreamInterrupted) as caught:
        face.stream("completions.create", {"model": "m", "prompt": "x"}, **openai)
    assert "overloaded" in str(caught.value)


def test_a_stream_without_done_is_incomplete(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(events=[chunk(0, "Hel")], done=False))
    with pytest.raises(StreamInterrupted):
        face.stream("completions.create", {"model": "m", "prompt": "x"}, **openai)
