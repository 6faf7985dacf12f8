"""Connectors of the run tests: registered against the scripted local server."""

from __future__ import annotations

from typing import Any

from service_app import Service

from scripted_server import ScriptedServer

PLANTED = "sk-live-planted-run-7f3a9c2e1d"
"""The connector's key: the secret scan looks for it everywhere."""

CHAT_BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-4o-mini",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}


def make_connector(service: Service, server: ScriptedServer, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "support",
        "provider": "compatible",
        "config": {
            "base_url": server.url + "/v1",
            "default_model": "gpt-4o-mini",
            "retry": {"max_retries": 0},
        },
        "secrets": {"api_key": PLANTED},
        "tags": ["prod"],
    }
    body.update(fields)
    response = service.admin.post("/api/connectors", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
