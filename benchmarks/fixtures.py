"""The files the local static server answers with: a chat completion and an event stream.

Both are shaped like OpenAI's Chat Completions responses so every client parses them for
real: ``chat_completion()`` is a ``chat.completion`` body; ``chat_event_stream()`` is
``chunks`` ``chat.completion.chunk`` events (one word of text each), then the usage chunk
that ``stream_options.include_usage`` asks for, then ``[DONE]``.
"""

from __future__ import annotations

import json
from pathlib import Path

MODEL = "gpt-4o-mini"
ANSWER = (
    "The connector sends the request, waits for the provider, and hands back one envelope "
    "with status, headers and body, so a process can map the answer to its variables."
)
STREAM_CHUNKS = 500
CREATED = 1_700_000_000
COMPLETION_ID = "chatcmpl-bench0000000000000000000000"
FINGERPRINT = "fp_bench00000"


def chat_completion() -> dict[str, object]:
    return {
        "id": COMPLETION_ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": ANSWER, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 19,
            "completion_tokens": 36,
            "total_tokens": 55,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }


def stream_words(chunks: int = STREAM_CHUNKS) -> list[str]:
    """The text of each content chunk; joined they are the streamed answer."""
    words = ANSWER.split(" ")
    return [words[i % len(words)] + " " for i in range(chunks)]


def _chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {
        "id": COMPLETION_ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def chat_event_stream(chunks: int = STREAM_CHUNKS) -> bytes:
    """``chunks`` content events (the first also carries the role), usage, then [DONE]."""
    events = []
    words = stream_words(chunks)
    for i, word in enumerate(words):
        delta: dict[str, object] = {"content": word}
        if i == 0:
            delta = {"role": "assistant", "content": word, "refusal": None}
        events.append(_chunk(delta, "stop" if i == len(words) - 1 else None))
    usage = _chunk({})
    usage["choices"] = []
    usage["usage"] = {"prompt_tokens": 19, "completion_tokens": chunks, "total_tokens": 19 + chunks}
    events.append(usage)
    lines = [f"data: {json.dumps(event, separators=(',', ':'))}\n\n" for event in events]
    lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def write_fixtures(root: Path) -> dict[str, str]:
    """Write both files under ``root`` (the server's document root); return their paths."""
    paths = {
        "json": "json/v1/chat/completions",
        "stream": "stream/v1/chat/completions",
    }
    body = json.dumps(chat_completion(), separators=(",", ":")).encode()
    for key, content in (("json", body), ("stream", chat_event_stream())):
        target = root / paths[key]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return paths
