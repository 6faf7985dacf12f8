"""Prism-ready variants of the official specs, generated at test time (never stored).

Every variant starts from ``tools/prism-ready-spec.py`` (without it Prism validates nothing
on the OpenAI spec). Then, in this order:

1. Azure only: every path gets the ``/openai`` prefix. The spec's server is
   ``https://{endpoint}/openai`` and Prism ignores server base paths, but the connector sends
   ``{endpoint}/openai/deployments/...``.
2. Both: the JSON request bodies are *closed*. Neither spec says
   ``additionalProperties: false`` on a request body, so Prism accepts any unknown or
   misspelt top-level field. Each JSON request body whose declared properties we can list
   (``properties`` through ``$ref`` and ``allOf``) is wrapped as ``{allOf: [original],
   properties: {each declared name: {}}, additionalProperties: false}``, so a field the
   spec does not declare is a 422 too ("found 'name'"), and the original rules still hold.
3. Azure only: one defect of the 2024-10-21 spec is corrected.
   ``ResponseFormatJsonSchema.json_schema`` lists ``type`` as required but does not declare
   it (the OpenAI spec and the service want ``{name, schema, strict, description}``), so
   every structured-output request would be a 422. See ``drop_undeclared_required``.
4. Both: a literal event stream is served for streamed calls listed in ``EVENT_STREAMS``.
   Prism cannot build ``text/event-stream`` bodies from a schema (OpenAI: 500 "Cannot
   serialise complex objects as text"; the Azure 2024-10-21 spec declares only JSON, so
   ``Accept: text/event-stream`` gets 406). This changes the *responses* only; requests
   are validated exactly as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

AZURE_PREFIX = "/openai"


def _sse(*events: dict[str, Any]) -> str:
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


_CHUNK = {"id": "chatcmpl-contract", "object": "chat.completion.chunk", "created": 0}
CHAT_EVENT_STREAM = _sse(
    {
        **_CHUNK,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "OK"}}],
    },
    {
        **_CHUNK,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    },
    {
        **_CHUNK,
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    },
)

_TEXT = {"id": "cmpl-contract", "object": "text_completion", "created": 0, "model": "m"}
COMPLETIONS_EVENT_STREAM = _sse(
    {**_TEXT, "choices": [{"index": 0, "text": "OK", "logprobs": None, "finish_reason": None}]},
    {**_TEXT, "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": "stop"}]},
    {
        **_TEXT,
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    },
)

_RESPONSE = {"id": "resp_contract", "object": "response", "created_at": 0, "model": "gpt-4o"}
_DONE_RESPONSE = {
    **_RESPONSE,
    "status": "completed",
    "output": [
        {
            "type": "message",
            "id": "msg_contract",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "OK", "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
}
RESPONSES_EVENT_STREAM = "".join(
    f"event: {e['type']}\ndata: {json.dumps(e)}\n\n"
    for e in (
        {
            "type": "response.created",
            "sequence_number": 0,
            "response": {**_RESPONSE, "status": "in_progress", "output": []},
        },
        {
            "type": "response.output_text.delta",
            "sequence_number": 1,
            "item_id": "msg_contract",
            "output_index": 0,
            "content_index": 0,
            "delta": "OK",
            "logprobs": [],
        },
        {"type": "response.completed", "sequence_number": 2, "response": _DONE_RESPONSE},
    )
)
"""The Responses API names its events and sends no ``[DONE]``."""

EVENT_STREAMS: dict[str, str] = {
    "/chat/completions": CHAT_EVENT_STREAM,  # before "/completions": the first match wins
    "/completions": COMPLETIONS_EVENT_STREAM,
    "/responses": RESPONSES_EVENT_STREAM,
}
"""Path suffix -> the event stream Prism serves to ``Accept: text/event-stream``.

Add an entry when a streamed operation gets contract tests."""


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def declared_properties(spec: dict[str, Any], schema: Any, depth: int = 0) -> set[str] | None:
    """Top-level property names of ``schema``; None when they cannot be listed for sure."""
    if not isinstance(schema, dict) or depth > 20:
        return None
    if "$ref" in schema:
        return declared_properties(spec, _resolve(spec, schema["$ref"]), depth + 1)
    if "anyOf" in schema or "oneOf" in schema or "additionalProperties" in schema:
        return None
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", ()):
        more = declared_properties(spec, part, depth + 1)
        if more is None:
            return None
        names |= more
    return names or None


def close_request_bodies(spec: dict[str, Any]) -> int:
    """Make undeclared top-level fields of JSON request bodies a violation; returns count."""
    closed = 0
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {})
            if "$ref" in body:
                body = _resolve(spec, body["$ref"])
            media = body.get("content", {}).get("application/json")
            if not media or "schema" not in media:
                continue
            names = declared_properties(spec, media["schema"])
            if names is None:
                continue
            media["schema"] = {
                "allOf": [media["schema"]],
                "properties": {name: {} for name in sorted(names)},
                "additionalProperties": False,
            }
            closed += 1
    return closed


def serve_event_streams(spec: dict[str, Any]) -> None:
    for path, item in spec.get("paths", {}).items():
        stream = next((s for suffix, s in EVENT_STREAMS.items() if path.endswith(suffix)), None)
        post = item.get("post") if stream else None
        if post is None:
            continue
        ok = post.get("responses", {}).get("200")
        if isinstance(ok, dict) and "content" in ok:
            ok["content"]["text/event-stream"] = {"schema": {"type": "string"}, "example": stream}


def drop_undeclared_required(spec: dict[str, Any], schema: str, prop: str) -> list[str]:
    """Remove names that ``schema.properties[prop].required`` lists but does not declare."""
    node = spec["components"]["schemas"][schema]["properties"][prop]
    declared = set(node.get("properties", {}))
    dropped = [name for name in node.get("required", []) if name not in declared]
    node["required"] = [name for name in node.get("required", []) if name in declared]
    return dropped


def prefix_paths(spec: dict[str, Any], prefix: str) -> None:
    spec["paths"] = {prefix + path: item for path, item in spec["paths"].items()}


def openai_variant(spec: dict[str, Any]) -> None:
    close_request_bodies(spec)
    serve_event_streams(spec)


def azure_variant(spec: dict[str, Any]) -> None:
    prefix_paths(spec, AZURE_PREFIX)
    drop_undeclared_required(spec, "ResponseFormatJsonSchema", "json_schema")
    close_request_bodies(spec)
    serve_event_streams(spec)


def write_variant(
    tool: Path, source: Path, destination: Path, rewrite: Callable[[dict[str, Any]], None]
) -> Path:
    """Run the shared Prism-ready tool on ``source``, then apply ``rewrite``; write JSON."""
    ready = destination.with_suffix(".prism-ready.json")
    done = subprocess.run(
        [sys.executable, str(tool), str(source), str(ready)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{tool.name} failed on {source.name} (exit {done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    spec = json.loads(ready.read_text(encoding="utf-8"))
    rewrite(spec)
    destination.write_text(json.dumps(spec), encoding="utf-8")
    return destination
