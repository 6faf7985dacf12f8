"""A real HTTP server on 127.0.0.1 whose answers a test scripts, and which records requests.

It runs aiohttp in a background thread, so sync and async clients can both talk to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""
    events: list[Any] | None = None
    """Server-sent events: dicts (sent as JSON) or strings, each as one data: line."""
    done: bool = True
    """End the event stream with data: [DONE]."""
    cut: bool = False
    """Drop the connection after the events instead of ending the stream cleanly."""
    hang: bool = False
    """After the events, keep the stream open (sending nothing) until the client gives up."""
    reset: bool = False
    """Close the connection without answering."""


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_path: str = ""
    """The path as sent, percent-encoding kept."""

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default: Reply | Callable[[Recorded], Reply] = Reply(json={"ok": True})
        self.requests: list[Recorded] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    # -------------------------------------------------------------- scripting

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def reset_state(self) -> None:
        self.replies.clear()
        self.requests.clear()
        self.default = Reply(json={"ok": True})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --------------------------------------------------------------- serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded(
            request.method,
            request.path,
            dict(request.query),
            {k.lower(): v for k, v in request.headers.items()},
            await request.read(),
            request.raw_path.split("?", 1)[0],
        )
        self.requests.append(recorded)
        if self.replies:
            reply = self.replies.popleft()
        elif callable(self.default):
            reply = self.default(recorded)
        else:
            reply = self.default
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.reset:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if reply.events is not None:
            return await self._stream(request, reply)
        if reply.body is not None:
            return web.Response(status=reply.status, body=reply.body, headers=reply.headers)
        return web.json_response(reply.json, status=reply.status, headers=reply.headers)

    async def _stream(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        response = web.StreamResponse(
            status=reply.status,
            headers={"content-type": "text/event-stream", **reply.headers},
        )
        await response.prepare(request)
        for event in reply.events or []:
            data = event if isinstance(event, str) else json.dumps(event)
            await response.write(f"data: {data}\n\n".encode())
        if reply.cut:
            assert request.transport is not None
            request.transport.abort()
            return response
        if reply.hang:
            await asyncio.sleep(3600)
        if reply.done:
            await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> ScriptedServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            await self._runner.cleanup()
            # handlers still waiting (delayed or hanging replies) end now, not at garbage time
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        with contextlib.suppress(Exception):
            fut.result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()


def chat_body(text: str = "Hello!", *, model: str = "gpt-4o-mini", usage: bool = True) -> dict:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    return body


def chat_chunks(pieces: list[str], *, usage: bool = True) -> list[dict]:
    head = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o-mini",
    }
    chunks = [
        {
            **head,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    ]
    for piece in pieces:
        chunks.append(
            {**head, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        )
    chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage:
        chunks.append(
            {
                **head,
                "choices": [],
                "usage": {
                    "prompt_tokens": 5,
                    "completion_tokens": len(pieces),
                    "total_tokens": 5 + len(pieces),
                },
            }
        )
    return chunks
