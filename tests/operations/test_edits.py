"""edits.create: an instruction and a text become a chat completion that edits the text."""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from openai_connector import Connector, InvalidInput, providers
from openai_connector.errors import AuthenticationFailed
from openai_connector.operations import registry
from scripted_server import Reply, ScriptedServer, chat_body

AZURE_KEY = "0123456789abcdef0123456789abcdef"


def test_minimal_call_is_a_chat_completion(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(json=chat_body("What day of the week is it?")))
    result = face.run(
        "edits.create",
        {
            "model": "gpt-4o-mini",
            "input": "What day of the wek is it?",
            "instruction": "Fix the spelling mistakes",
        },
        **openai,
    )
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.json == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Fix the spelling mistakes"},
            {"role": "user", "content": "What day of the wek is it?"},
        ],
    }
    assert result.text == "What day of the week is it?"
    assert result.body == chat_body("What day of the week is it?")
    assert result.extra["implemented_with"] == "chat.create"
    assert result.usage is not None and result.usage.total_tokens == 7


def test_every_parameter_is_sent_exactly(server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=chat_body()))
    Connector(**openai, default_model="gpt-4o").run(
        "edits.create",
        {
            "input": "teh cat",
            "instruction": "Fix it",
            "temperature": 0.25,
            "top_p": 0.5,
            "n": 3,
        },
    )
    assert server.requests[0].json == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Fix it"},
            {"role": "user", "content": "teh cat"},
        ],
        "temperature": 0.25,
        "top_p": 0.5,
        "n": 3,
    }


def test_azure_uses_the_chat_deployment(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    face.run(
        "edits.create",
        {"model": "chat-deploy", "input": "x", "instruction": "Shout it"},
        provider="azure",
        endpoint=server.url,
        api_key=AZURE_KEY,
    )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/chat-deploy/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.json == {
        "messages": [
            {"role": "system", "content": "Shout it"},
            {"role": "user", "content": "x"},
        ]
    }


def test_the_operation_says_how_it_is_implemented() -> None:
    operation = registry.get("edits.create")
    assert "chat" in operation.docs
    assert "system message" in operation.docs
    assert operation.path == "/chat/completions"
    assert providers.get("openai").path_template(operation) == "/chat/completions"
    assert (
        providers.get("azure").path_template(operation)
        == "/deployments/{deployment}/chat/completions"
    )


def test_error_status_raises_with_the_envelope(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    error = {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}
    server.script(Reply(status=401, json=error))
    with pytest.raises(AuthenticationFailed) as caught:
        face.run("edits.create", {"model": "m", "input": "x", "instruction": "y"}, **openai)
    assert caught.value.status == 401
    assert caught.value.result.body == error


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"input": ""}, "input"),
        ({"input": None}, "input"),
        ({"instruction": ""}, "instruction"),
        ({"instruction": None}, "instruction"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": 0.725}, "temperature"),
        ({"top_p": -0.1}, "top_p"),
        ({"n": 0}, "n"),
        ({"n": 129}, "n"),
        ({"stop": "x"}, "stop"),
    ],
)
def test_documented_limits_are_refused_before_sending(
    server: ScriptedServer, openai: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    full = {"model": "gpt-4o-mini", "input": "x", "instruction": "y", **params}
    with pytest.raises(InvalidInput) as caught:
        Connector(**openai).run("edits.create", full)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert server.requests == []


def test_no_model_on_openai_is_the_default_chat_model() -> None:
    from openai_connector.connection import Connection
    from openai_connector.operations.base import Context

    op = registry.get("edits.create")
    data = op.input.model_validate({"input": "x", "instruction": "y"})
    assert op.request(data, Context(Connection())).json["model"] == "gpt-5-mini"


def test_no_deployment_on_azure_is_refused_before_sending(server: ScriptedServer) -> None:
    azure = Connector(provider="azure", endpoint=server.url, api_key="k")
    with pytest.raises(InvalidInput, match="no deployment name given") as caught:
        azure.run("edits.create", {"input": "x", "instruction": "y"})
    assert caught.value.field == "model"
    assert server.requests == []
