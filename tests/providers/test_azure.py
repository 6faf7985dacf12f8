"""The Azure profile on both faces: features its api-version lacks and operations it does not
offer are refused before sending, naming the field or the provider; the deployment is in the
path and not in the body."""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from media_samples import wav
from openai_connector import UnsupportedOperation
from scripted_server import Reply, ScriptedServer, chat_body

AZURE_KEY = "0123456789abcdef0123456789abcdef"


def azure(server: ScriptedServer, **fields: Any) -> dict[str, Any]:
    return {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY, **fields}


GATED = [
    ("chat.create", {"model": "d", "prompt": "Hi", "store": True}, "store"),
    ("chat.create", {"model": "d", "prompt": "Hi", "reasoning_effort": "low"}, "reasoning_effort"),
    ("chat.create", {"model": "d", "prompt": "Hi", "metadata": {"a": "b"}}, "metadata"),
    (
        "chat.create",
        {"model": "d", "history": [{"role": "developer", "content": "Be brief"}], "prompt": "Hi"},
        "history",
    ),
    (
        "audio.transcribe",
        {
            "model": "d",
            "file": wav(b"\0\0" * 800),
            "filename": "a.wav",
            "response_format": "verbose_json",
            "timestamp_granularities": ["word"],
        },
        "timestamp_granularities",
    ),
]


@pytest.mark.parametrize(("operation", "params", "field"), GATED, ids=[g[2] for g in GATED])
def test_a_feature_the_api_version_lacks_is_refused_before_sending(
    face: Face, server: ScriptedServer, operation: str, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(UnsupportedOperation) as caught:
        face.run(operation, params, **azure(server))
    message = str(caught.value)
    assert message.startswith(f"{field}: ")
    assert "needs Azure api_version 2024-12-01-preview or newer" in message
    assert "this connection uses 2024-10-21" in message
    assert server.requests == []


@pytest.mark.parametrize(("operation", "params", "field"), GATED, ids=[g[2] for g in GATED])
def test_a_newer_api_version_sends_the_feature_to_the_deployment(
    face: Face, server: ScriptedServer, operation: str, params: dict[str, Any], field: str
) -> None:
    reply = chat_body() if operation == "chat.create" else {"text": "hi"}
    server.script(Reply(json=reply))
    face.run(operation, params, **azure(server, api_version="2024-12-01-preview"))
    sent = server.requests[0]
    assert sent.path.startswith("/openai/deployments/d/")
    assert sent.query == {"api-version": "2024-12-01-preview"}
    if operation == "chat.create":
        assert "model" not in sent.json


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("moderation.create", {"input": "Hi"}),
        ("files.list", {}),
        ("models.list", {}),
        ("responses.create", {"model": "d", "input": "Hi"}),
        ("images.edit", {"image": b"\x89PNG\r\n\x1a\n", "prompt": "x"}),
    ],
)
def test_an_operation_azure_does_not_offer_is_refused_naming_azure(
    face: Face, server: ScriptedServer, operation: str, params: dict[str, Any]
) -> None:
    with pytest.raises(UnsupportedOperation) as caught:
        face.run(operation, params, **azure(server))
    assert str(caught.value).startswith(f"{operation}: ")
    assert "Azure" in str(caught.value)
    assert caught.value.hint == "use an OpenAI or OpenAI-compatible connection for it"
    assert server.requests == []


def test_data_sources_are_refused_off_azure_on_both_faces(
    face: Face, server: ScriptedServer
) -> None:
    source = {
        "type": "azure_search",
        "parameters": {
            "endpoint": "https://s.search.windows.net",
            "index_name": "i",
            "authentication": {"type": "api_key", "key": "k" * 20},
        },
    }
    with pytest.raises(UnsupportedOperation, match=r"^data_sources: chat on your own data"):
        face.run(
            "chat.create",
            {"model": "m", "prompt": "Hi", "data_sources": [source]},
            provider="compatible",
            base_url=server.url + "/v1",
        )
    assert server.requests == []
