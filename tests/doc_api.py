"""What the API would answer the docs' commands, by path: the scripted server's default
for the README and docs tests (OpenAI's paths and Azure's deployment paths alike)."""

from __future__ import annotations

import re
from typing import Any

from scripted_server import Recorded, Reply, chat_body

AZURE_PREFIX = re.compile(r"^/openai(?:/deployments/[^/]+)?")


def answer(request: Recorded) -> Reply:
    path = AZURE_PREFIX.sub("", request.path.removeprefix("/v1"))
    json_sent = "json" in request.headers.get("content-type", "")
    body: Any = request.json if json_sent else {}
    if path == "/models":
        return Reply(json={"object": "list", "data": [{"id": "gpt-5-mini", "object": "model"}]})
    if path == "/chat/completions" and body.get("stream"):
        delta = {"choices": [{"index": 0, "delta": {"content": "OK"}, "finish_reason": None}]}
        return Reply(events=[delta], headers={"content-type": "text/event-stream"})
    if path == "/chat/completions":
        return Reply(json=chat_body("OK", model=body.get("model", "gpt-5-mini")))
    if path == "/moderations":
        return Reply(json={"id": "modr-1", "model": "omni", "results": [{"flagged": False}]})
    if path == "/embeddings":
        vector = {"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}
        return Reply(json={"object": "list", "data": [vector], "model": "m"})
    if path == "/audio/transcriptions":
        return Reply(json={"text": "Hello from the recording."})
    if path == "/files":
        return Reply(json={"id": "file-1", "object": "file", "purpose": "fine-tune"})
    return Reply(status=404, json={"error": {"message": f"no {path}", "code": "not_found"}})
