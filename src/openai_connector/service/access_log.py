"""One JSON line per request on the ``openai_connector.service.access`` logger: method, path,
status, latency, caller (the key's name). Never headers, query strings or bodies, so never a
key or a secret."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .metrics import ServiceMetrics

access = logging.getLogger("openai_connector.service.access")


class AccessLog:
    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watching)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.answered(scope["method"], status, elapsed)
            if access.isEnabledFor(logging.INFO):
                state: Any = scope.get("state") or {}
                caller = getattr(state.get("caller"), "name", None)
                line = {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 3),
                    "caller": caller,
                }
                # the fields ride along, so that JsonLines need not parse the message again
                access.info(json.dumps(line, ensure_ascii=False), extra={"access": line})


class JsonLines(logging.Formatter):
    """Each record as one JSON object: time, level, logger and message (the access log's
    message is itself an object, merged in)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "access", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            message = record.getMessage()
            if record.name == access.name and message.startswith("{"):
                line.update(json.loads(message))
            else:
                line["message"] = message
        return json.dumps(line, ensure_ascii=False)


def log_as_json_lines(stream: Any = None) -> logging.Handler:
    """Send the service's logs (``openai_connector.service*``) to ``stream`` (stderr) as JSON
    lines; for ``serve``."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("openai_connector.service")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler
