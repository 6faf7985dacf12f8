"""``"stream": true``: a text/event-stream of deltas ending with the result (or an error)."""

from __future__ import annotations

import json
from typing import Any

from run_fixtures import make_connector
from service_app import Service

from scripted_server import Reply, ScriptedServer


def _chunk(text: str | None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    delta = {"content": text} if text is not None else {}
    chunk: dict[str, Any] = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    if usage is not None:
        chunk["choices"] = []
        chunk["usage"] = usage
    return chunk


EVENTS = [
    _chunk("Hel"),
    _chunk("lo"),
    _chunk(None, {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}),
]


def events_of(text: str) -> list[tuple[str, Any]]:
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def test_a_streamed_run_sends_deltas_then_the_result(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(events=EVENTS)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "chat.create", "params": {"prompt": "Hi"}, "stream": True},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = events_of(response.text)
    texts = [data["text"] for name, data in events if name == "delta" and data["text"]]
    assert "".join(texts) == "Hello"
    name, result = events[-1]
    assert name == "result"
    assert result["body"]["choices"][0]["message"]["content"] == "Hello"
    assert result["meta"]["usage"]["prompt_tokens"] == 7
    rows = service.store.usage.rows()
    assert rows[0]["streamed"] is True and rows[0]["prompt_tokens"] == 7


def test_a_stream_cut_short_ends_with_an_error_event(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(events=EVENTS[:1], done=False, cut=True)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "chat.create", "params": {"prompt": "Hi"}, "stream": True},
    )
    name, data = events_of(response.text)[-1]
    assert name == "error"
    assert data["error"]["code"] == "stream_interrupted"
    assert service.store.usage.rows()[0]["error_code"] == "stream_interrupted"


def test_bad_input_to_a_stream_is_refused_before_the_stream_starts(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "chat.create", "params": {"temperature": 5}, "stream": True},
    )
    assert response.status_code == 422
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "models.list", "params": {}, "stream": True},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "stream"
    assert server.requests == []
