"""One run of a registered connector, as every route makes it: build the library connector
(strict policy, the call's workspace), run or stream the operation, write the usage row and
count it in the metrics, whatever the outcome. Also the shapes results and connector errors
take in the service's answers."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..errors import APIStatusError, ConnectorError, InvalidResponse
from .problems import error_body, status_of_connector_error
from .run_path import build_connector
from .usage_recorder import content_of, exchange_from_result, record_exchange, request_id_of
from .workspace import Workspace, inline_file

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from fastapi import Request

    from ..result import Result
    from ..store import ConnectorRecord, KeyRecord, Store
    from ..streaming import StreamChunk


def jsonable(value: Any) -> Any:
    """Bytes as base64, paths and other objects as text: something json.dumps takes."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class Run:
    """A run of ``operation`` on ``record`` for ``key``; use as ``async with``."""

    def __init__(
        self,
        request: Request,
        key: KeyRecord,
        record: ConnectorRecord,
        operation: str,
        params: dict[str, Any],
        *,
        streamed: bool = False,
        workspace: Workspace | None = None,
    ) -> None:
        self.app = request.app
        self.store: Store = request.app.state.store
        self.key = key
        self.record = record
        self.operation = operation
        self.params = params
        self.streamed = streamed
        self.workspace = workspace or Workspace(self.store.data_dir / "workspaces")
        self.connector, self._redact = build_connector(self.store, record, self.workspace.path)
        self.result: Result | None = None
        self._started = time.monotonic()
        self._recorded = False

    async def __aenter__(self) -> Run:
        self.app.state.in_flight.enter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.connector.aclose()
        finally:
            self.workspace.close()
            self.app.state.in_flight.leave()

    async def _record(self, result: Result | None, error: ConnectorError | None) -> None:
        """Write the usage row (in a worker thread: a database commit must not hold up the
        event loop's other calls) and count the metrics."""
        if self._recorded:
            return
        self._recorded = True
        facts = exchange_from_result(
            self.operation,
            self.record.provider,
            self.params,
            self.record.config.get("default_model"),
            result=result,
            error=error,
            elapsed=time.monotonic() - self._started,
            streamed=self.streamed,
        )
        content = None
        if self.record.log_content:
            known = self.connector.redactor  # resolved references too, once the call ran
            content = content_of(self.params, result, lambda s: known(self._redact(s)))
        await run_in_threadpool(
            record_exchange,
            self.store,
            self.app.state.prices,
            facts,
            connector=self.record,
            caller=self.key.name,
            content=content,
        )
        self.app.state.metrics.observe(facts, self.record.name)

    async def run(self) -> Result:
        """The result; a ConnectorError (redacted) when the call fails. Recorded either way."""
        try:
            result = await self.connector.run(self.operation, self.params)
        except ConnectorError as exc:
            exc.redacted(self._redact)
            if _sent(exc):
                await self._record(None, exc)
            raise
        self.result = result
        await self._record(result, None)
        return result

    def open_stream(self) -> AsyncIterator[StreamChunk]:
        """The chunks of a streamed run (input errors raise here, before anything is sent);
        ``self.result`` holds the whole answer once they are read."""
        try:
            stream = self.connector.stream(self.operation, self.params)
        except ConnectorError as exc:
            exc.redacted(self._redact)
            raise

        async def chunks() -> AsyncIterator[StreamChunk]:
            try:
                async for chunk in stream:
                    yield chunk
            except ConnectorError as exc:
                exc.redacted(self._redact)
                if _sent(exc):
                    await self._record(None, exc)
                raise
            finally:
                await stream.aclose()
            self.result = stream.result
            await self._record(stream.result, None)

        return chunks()

    def envelope(self, result: Result, inline_limit: int) -> dict[str, Any]:
        """``{status, headers, body, meta}``: bytes inline (base64) up to ``inline_limit``,
        else (and files the call wrote) as one-time downloads."""
        body: Any = result.body
        meta = jsonable(result.meta())
        meta["request_id"] = request_id_of(result.headers)
        downloads = self.app.state.downloads
        files = []
        if isinstance(body, bytes):
            kind = result.headers.get("content-type")
            if len(body) <= inline_limit:
                body = inline_file(body, content_type=kind)
            else:
                path = self.workspace.path / "body"
                path.write_bytes(body)
                body = {"download": self._offer(path, downloads), "size": len(result.body)}
        for produced in self.workspace.produced():
            if produced.stat().st_size <= inline_limit:
                files.append(inline_file(produced.read_bytes(), produced.name))
            else:
                size = produced.stat().st_size
                files.append(
                    {
                        "name": produced.name,
                        "size": size,
                        "download": self._offer(produced, downloads),
                    }
                )
        if files:
            meta["files"] = files
        return {
            "status": result.status,
            "headers": result.headers,
            "body": jsonable(body),
            "meta": meta,
        }

    def _offer(self, path: Path, downloads: Any) -> str:
        return f"/api/downloads/{downloads.offer(path, self.key.name)}"


def _sent(exc: ConnectorError) -> bool:
    """Whether the error came after a request went out (an exchange to record)."""
    return exc.source != "user"


def error_payload(exc: ConnectorError) -> tuple[int, dict[str, Any]]:
    """The status and body for a connector error: the service's error shape, and for the
    provider's own errors its envelope under ``response``."""
    status = status_of_connector_error(exc.code)
    body = error_body(exc.code, str(exc), getattr(exc, "field", None))
    result = exc.result if isinstance(exc, APIStatusError | InvalidResponse) else None
    if result is not None:
        body["response"] = jsonable(result.envelope())
    return status, body


def connector_error_response(exc: ConnectorError) -> JSONResponse:
    status, body = error_payload(exc)
    return JSONResponse(body, status_code=status)
