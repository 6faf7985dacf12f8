"""The ``/v1`` gateway, with OpenAI's own Python SDK as the client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service

from openai_connector.store import UsageRecord
from scripted_server import Reply, ScriptedServer


@pytest.fixture
def made(service: Service, server: ScriptedServer) -> dict[str, Any]:
    return make_connector(service, server)


def sdk(service: Service, key: str | None) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=key or "none",
        base_url="http://testserver/v1",
        http_client=service.admin.client,
        max_retries=0,
    )


@pytest.fixture
def client(service: Service, made: dict[str, Any]) -> Iterator[openai.OpenAI]:
    _, key = service.store.keys.create("app", "operator", default_connector="support")
    yield sdk(service, key)


def test_chat_through_the_sdk(
    client: openai.OpenAI, service: Service, server: ScriptedServer
) -> None:
    server.default = Reply(json=CHAT_BODY)
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], temperature=0.2
    )
    assert answer.choices[0].message.content == "Hello!"
    assert answer.usage is not None and answer.usage.prompt_tokens == 10
    sent = server.requests[-1].json
    assert sent["messages"] == [{"role": "user", "content": "Hi"}] and sent["temperature"] == 0.2
    [row] = service.store.usage.rows()
    assert row["caller"] == "app" and row["connector"] == "support"
    assert row["operation"] == "chat.create" and row["prompt_tokens"] == 10


def test_streamed_chat_through_the_sdk(
    client: openai.OpenAI, service: Service, server: ScriptedServer
) -> None:
    def chunk(text: str) -> dict[str, Any]:
        return {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }

    usage = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    server.default = Reply(events=[chunk("Hel"), chunk("lo"), usage])
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello"
    row = service.store.usage.rows()[0]
    assert row["streamed"] is True and row["completion_tokens"] == 2


def test_embeddings_through_the_sdk(client: openai.OpenAI, server: ScriptedServer) -> None:
    server.default = Reply(
        json={
            "object": "list",
            "model": "text-embedding-3-small",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
        }
    )
    answer = client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="float"
    )
    assert answer.data[0].embedding == [0.1, 0.2]


def test_the_connector_named_in_the_model(
    service: Service, made: dict[str, Any], server: ScriptedServer
) -> None:
    _, key = service.store.keys.create("nodefault", "operator")
    server.default = Reply(json=CHAT_BODY)
    answer = sdk(service, key).chat.completions.create(
        model="support/gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )
    assert answer.choices[0].message.content == "Hello!"
    assert server.requests[-1].json["model"] == "gpt-4o"
    with pytest.raises(openai.NotFoundError) as caught:
        sdk(service, key).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
        )
    assert caught.value.code == "unknown_connector"


def test_models_and_moderations(client: openai.OpenAI, server: ScriptedServer) -> None:
    server.default = Reply(
        json={
            "object": "list",
            "data": [{"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "openai"}],
        }
    )
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini"]
    server.default = Reply(
        json={
            "id": "modr-1",
            "model": "omni-moderation-latest",
            "results": [{"flagged": False, "categories": {}, "category_scores": {}}],
        }
    )
    assert client.moderations.create(input="hello").results[0].flagged is False


def test_transcription_upload(
    client: openai.OpenAI, server: ScriptedServer, tmp_path: Path
) -> None:
    sound = tmp_path / "talk.mp3"
    sound.write_bytes(b"ID3" + bytes(300))
    server.default = Reply(json={"text": "hi there"})
    with sound.open("rb") as handle:
        answer = client.audio.transcriptions.create(model="whisper-1", file=handle)
    assert answer.text == "hi there"
    assert bytes(300) in server.requests[-1].body


def test_errors_arrive_as_the_sdks_own_types(
    service: Service, made: dict[str, Any], client: openai.OpenAI, server: ScriptedServer
) -> None:
    hi = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    with pytest.raises(openai.AuthenticationError) as no_key:
        sdk(service, "ocs_wrong").chat.completions.create(**hi)  # type: ignore[call-overload]
    assert no_key.value.code == "invalid_key"
    body = no_key.value.body
    assert isinstance(body, dict) and set(body) == {"message", "type", "param", "code"}
    _, viewer = service.store.keys.create("dash", "viewer", default_connector="support")
    with pytest.raises(openai.PermissionDeniedError):
        sdk(service, viewer).chat.completions.create(**hi)  # type: ignore[call-overload]
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(**hi, temperature=7)  # type: ignore[call-overload]
    assert bad.value.param == "temperature"
    server.default = Reply(
        status=429, json={"error": {"message": "slow down", "type": "requests", "code": None}}
    )
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(**hi)  # type: ignore[call-overload]
    service.admin.patch("/api/connectors/support", json={"monthly_budget_usd": 1})
    service.store.usage.record(
        UsageRecord(operation="chat.create", connector="support", cost_usd=2.0)
    )
    sent = len(server.requests)
    with pytest.raises(openai.RateLimitError) as budget:
        client.chat.completions.create(**hi)  # type: ignore[call-overload]
    assert budget.value.code == "budget_exceeded"
    assert budget.value.type == "insufficient_quota"
    assert len(server.requests) == sent


def test_completions_responses_and_images(client: openai.OpenAI, server: ScriptedServer) -> None:
    server.default = Reply(
        json={
            "id": "cmpl-1",
            "object": "text_completion",
            "created": 1,
            "model": "gpt-3.5-turbo-instruct",
            "choices": [{"index": 0, "text": "Paris", "finish_reason": "stop", "logprobs": None}],
        }
    )
    done = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Capital of France?")
    assert done.choices[0].text == "Paris"
    assert server.requests[-1].path == "/v1/completions"
    server.default = Reply(
        json={
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "model": "gpt-4o-mini",
            "status": "completed",
            "output": [
                {
                    "type": "message",
                    "id": "m1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Hi!", "annotations": []}],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
        }
    )
    answer = client.responses.create(model="gpt-4o-mini", input="Hello")
    assert answer.output_text == "Hi!"
    assert server.requests[-1].path == "/v1/responses"
    server.default = Reply(json={"created": 1, "data": [{"b64_json": "aGk="}]})
    image = client.images.generate(model="gpt-image-1", prompt="a cat")
    assert image.data is not None and image.data[0].b64_json == "aGk="
    assert server.requests[-1].path == "/v1/images/generations"


def test_malformed_json_and_unknown_fields_are_openai_errors(
    service: Service, client: openai.OpenAI
) -> None:
    key = client.api_key
    response = service.admin.client.post(
        "/v1/chat/completions", content=b"{", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "Hi"}],
            extra_body={"not_a_field": 1},
        )
    assert caught.value.param == "not_a_field"
    response = service.admin.client.post("/v1/chat/completions", json={})
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_a_body_over_the_limit_is_413_in_openais_shape(tmp_path: Path) -> None:
    from service_app import start

    store, client = start(tmp_path / "d", max_json_bytes=1000)
    _, key = store.keys.create("app", "operator")
    with client:
        response = client.post(
            "/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x" * 2000}]},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    store.close()


def test_the_authorization_header_is_read_as_for_every_route(
    service: Service, client: openai.OpenAI, server: ScriptedServer
) -> None:
    server.default = Reply(json=CHAT_BODY)
    hi = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    http = service.admin.client
    for header in ("Basic abc", "Bearer", "Bearer ", f"Token {client.api_key}"):
        refused = http.post("/v1/chat/completions", json=hi, headers={"Authorization": header})
        assert refused.status_code == 401, header
        assert refused.json()["error"]["code"] == "unauthenticated"
        assert refused.headers["www-authenticate"] == "Bearer"
    assert len(server.requests) == 0
    lower = {"Authorization": f"bearer   {client.api_key} "}
    assert http.post("/v1/chat/completions", json=hi, headers=lower).status_code == 200
    wrong_method = http.get("/v1/chat/completions", headers=lower)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    documented = http.get("/openapi.json").json()["paths"]["/v1/chat/completions"]["post"]
    assert documented["security"] == [{"HTTPBearer": []}]
