"""The model an Exchange reports is the one the call sent, however it was chosen: the input's,
the connection's ``default_model`` (Azure: the deployment in the path), the one a compatible
server's ``/models`` listed, or an upload's default in the multipart form; on both faces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faces import Face
from media_samples import wav
from multipart_form import form_dict
from openai_connector.errors import BadRequest
from openai_connector.observers import Exchange
from scripted_server import Recorded, Reply, ScriptedServer, chat_body


def exchanges(events: list[Any]) -> list[Exchange]:
    return [e for e in events if isinstance(e, Exchange)]


def test_default_model_is_the_exchange_model(face: Face, server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body(model="what-the-server-says"))
    events: list[Any] = []
    face.run(
        "chat.create",
        {"prompt": "hi"},
        provider="compatible",
        base_url=server.url + "/v1",
        api_key="sk-test1234",
        default_model="gpt-4o-mini",
        observers=[events.append],
    )
    assert server.requests[0].json["model"] == "gpt-4o-mini"
    assert [e.model for e in exchanges(events)] == ["gpt-4o-mini"]


def test_azure_default_deployment_is_the_exchange_model(face: Face, server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    events: list[Any] = []
    face.run(
        "embeddings.create",
        {"input": "hi"},
        provider="azure",
        endpoint=server.url,
        api_key="azure-key-1",
        default_model="my-embedder",
        observers=[events.append],
    )
    assert server.requests[0].path == "/openai/deployments/my-embedder/embeddings"
    assert [e.model for e in exchanges(events)] == ["my-embedder"]


def test_azure_named_deployment_is_the_exchange_model_of_a_failure(
    face: Face, server: ScriptedServer
) -> None:
    server.default = Reply(status=400, json={"error": {"message": "no"}})
    events: list[Any] = []
    with pytest.raises(BadRequest):
        face.run(
            "chat.create",
            {"prompt": "hi", "deployment": "chat-dep"},
            provider="azure",
            endpoint=server.url,
            api_key="azure-key-1",
            observers=[events.append],
        )
    [exchange] = exchanges(events)
    assert (exchange.model, exchange.status) == ("chat-dep", 400)


def test_the_listed_model_is_the_exchange_model(face: Face, server: ScriptedServer) -> None:
    def answer(request: Recorded) -> Reply:
        if request.path == "/v1/models":
            return Reply(json={"data": [{"id": "llama-3.2-1b"}]})
        return Reply(json=chat_body(model="llama"))

    server.default = answer
    events: list[Any] = []
    face.run(
        "chat.create",
        {"prompt": "hi"},
        provider="compatible",
        base_url=server.url + "/v1",
        api_key="sk-test1234",
        observers=[events.append],
    )
    assert [(e.operation, e.model) for e in exchanges(events)] == [
        ("models.list", None),
        ("chat.create", "llama-3.2-1b"),
    ]


def test_an_uploads_default_model_is_the_exchange_model(
    face: Face, server: ScriptedServer, tmp_path: Path
) -> None:
    sound = tmp_path / "meeting.wav"
    sound.write_bytes(wav(bytes(800)))
    server.default = Reply(json={"text": "hallo"})
    events: list[Any] = []
    face.run(
        "audio.transcribe",
        {"file": str(sound)},
        provider="openai",
        base_url=server.url + "/v1",
        api_key="sk-test1234",
        observers=[events.append],
    )
    sent = form_dict(server.requests[0])["model"]
    assert isinstance(sent, str) and sent
    assert [e.model for e in exchanges(events)] == [sent]
