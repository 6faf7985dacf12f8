"""Request bodies over a limit are refused with 413 before the application reads them.

JSON (and anything not multipart) is held to ``max_json_bytes``, multipart uploads to
``max_upload_bytes``. A declared Content-Length over the limit is refused at once; a body
without one (chunked) is counted as it arrives and refused when it passes the limit. JSON
bodies are read whole first; multipart bodies pass through as they arrive (the run API
streams uploads to disk), counted on the way.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .openai_errors import is_gateway, openai_error_body
from .problems import error_body

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_json_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes

    @staticmethod
    def _multipart(scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"content-type" and value.lower().startswith(b"multipart/"):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        multipart = self._multipart(scope)
        limit = self.max_upload_bytes if multipart else self.max_json_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _refuse(send, limit, scope)
                    return
        if multipart:
            await self._counted(scope, receive, send, limit)
            return
        # Read the body up front (at most ``limit`` bytes), then hand it on.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, limit, scope)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size = 0
        started = False

        async def counting() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                raise _TooLarge
            return message

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watching)
        except _TooLarge:
            if not started:
                await _refuse(send, limit, scope)


class _TooLarge(Exception):
    """A streamed body passed its limit."""


async def _refuse(send: Send, limit: int, scope: Scope) -> None:
    message = f"the request body is over the limit of {limit} bytes"
    if is_gateway(scope.get("path", "")):
        payload = openai_error_body(message, status=413, code="payload_too_large")
    else:
        payload = error_body("payload_too_large", message, "body")
    data = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
