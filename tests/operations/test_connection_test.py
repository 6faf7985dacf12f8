"""connection.test: models list, one-token chat, one-token streamed chat."""

from __future__ import annotations

from openai_connector import Connector
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks


def healthy(request: Recorded) -> Reply:
    if request.path.endswith("/models"):
        return Reply(json={"object": "list", "data": [{"id": "local-model", "object": "model"}]})
    if request.json.get("stream"):
        return Reply(events=chat_chunks(["OK"]))
    return Reply(json=chat_body("OK"))


def test_all_steps_pass_against_a_healthy_server(server: ScriptedServer) -> None:
    server.default = healthy
    result = Connector(provider="compatible", base_url=server.url + "/v1").run(
        "connection.test", {}
    )
    assert result.status == 200
    assert result.body["ok"] is True
    assert [s["step"] for s in result.body["steps"]] == [
        "models.list",
        "chat.create",
        "chat.create (stream)",
    ]
    chats = [r.json for r in server.requests[1:]]
    assert chats[0]["model"] == "local-model"  # compatible server: first listed model
    assert chats[0]["max_tokens"] == 1
    assert chats[1]["stream"] is True


def test_a_proxy_that_does_not_stream_is_caught(server: ScriptedServer) -> None:
    def no_streaming(request: Recorded) -> Reply:
        if request.path.endswith("/models"):
            return Reply(json={"object": "list", "data": []})
        return Reply(json=chat_body("OK"))

    server.default = no_streaming
    result = Connector(provider="compatible", base_url=server.url + "/v1").run(
        "connection.test", {"model": "m"}
    )
    assert result.body["ok"] is False
    assert result.status == 502
    assert result.body["steps"][-1]["error"]["code"] == "not_streamed"


def test_bad_key_stops_at_the_first_step(server: ScriptedServer) -> None:
    server.default = Reply(
        status=401, json={"error": {"message": "bad key", "code": "invalid_api_key"}}
    )
    result = Connector(provider="openai", base_url=server.url + "/v1", api_key="sk-wrong-key").run(
        "connection.test", {}
    )
    assert result.status == 401
    assert result.body["steps"] == [result.body["steps"][0]]
    assert result.body["steps"][0]["error"]["code"] == "auth_failed"
    assert "sk-wrong-key" not in str(result.to_dict())


def test_azure_skips_the_model_list(server: ScriptedServer) -> None:
    server.default = healthy
    result = Connector(provider="azure", endpoint=server.url, api_key="k" * 32).run(
        "connection.test", {"model": "dep"}
    )
    assert result.body["ok"] is True
    assert result.body["steps"][0]["skipped"] is True
    assert server.requests[0].path == "/openai/deployments/dep/chat/completions"
