"""moderation.create: text or lists in, the provider's categories out; refused on Azure."""

from __future__ import annotations

import pytest

from openai_connector import Connector, InvalidInput, UnsupportedOperation
from openai_connector.errors import RateLimited
from scripted_server import Reply, ScriptedServer

FLAGGED = {
    "id": "modr-1",
    "model": "omni-moderation-latest",
    "results": [
        {"flagged": True, "categories": {"violence": True}, "category_scores": {"violence": 0.93}}
    ],
}


def openai(server: ScriptedServer) -> Connector:
    return Connector(
        provider="openai",
        base_url=server.url + "/v1",
        api_key="sk-test1234",
        retry={"max_retries": 0},
    )


def test_text_is_sent_and_the_body_returned(server: ScriptedServer) -> None:
    server.script(Reply(json=FLAGGED))
    result = openai(server).run("moderation.create", {"input": "some text"})
    assert server.requests[0].path == "/v1/moderations"
    assert server.requests[0].json == {"input": "some text"}
    assert result.body == FLAGGED


def test_list_and_model(server: ScriptedServer) -> None:
    server.script(Reply(json=FLAGGED))
    openai(server).run(
        "moderation.create", {"input": ["a", "b"], "model": "text-moderation-latest"}
    )
    assert server.requests[0].json == {"input": ["a", "b"], "model": "text-moderation-latest"}


def test_multimodal_parts(server: ScriptedServer) -> None:
    server.script(Reply(json=FLAGGED))
    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
    ]
    openai(server).run("moderation.create", {"input": parts})
    assert server.requests[0].json["input"] == parts


@pytest.mark.parametrize(
    "bad", [{"input": ""}, {"input": []}, {}, {"input": [{"type": "audio"}]}, {"input": 5}]
)
def test_bad_input_is_refused_before_sending(server: ScriptedServer, bad: dict) -> None:
    with pytest.raises(InvalidInput) as caught:
        openai(server).run("moderation.create", bad)
    assert caught.value.field == "input"
    assert server.requests == []


def test_azure_has_no_moderation_endpoint(server: ScriptedServer) -> None:
    azure = Connector(provider="azure", endpoint=server.url, api_key="k" * 32)
    with pytest.raises(UnsupportedOperation, match="Azure OpenAI has no moderation"):
        azure.run("moderation.create", {"input": "x"})
    assert server.requests == []


def test_error_status(server: ScriptedServer) -> None:
    server.script(Reply(status=429, json={"error": {"message": "slow down", "code": None}}))
    with pytest.raises(RateLimited) as caught:
        openai(server).run("moderation.create", {"input": "x"})
    assert caught.value.code == "rate_limited"
