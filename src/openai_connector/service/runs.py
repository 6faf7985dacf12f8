"""One run of a registered connector, as every route makes it: a library connector over the
connector's shared transport (:mod:`.connector_cache`) with the run's own strict policy (its
workspace, for operations that touch files) and observer, run or stream the operation; each
exchange the connector reports (a composite's inner calls each) is counted in the metrics
and becomes a usage row, written off the event loop, whatever the outcome. Also the shapes
results and connector errors take in the service's answers."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.responses import JSONResponse

from ..errors import APIStatusError, ConnectorError, InvalidResponse
from ..observers import Exchange
from .connector_cache import CURRENT_RUN, ConnectorCache, touches_files
from .problems import error_body, status_of_connector_error
from .usage_recorder import content_of, usage_record
from .workspace import Workspace, inline_file

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from concurrent.futures import Future

    from fastapi import Request

    from ..connector import AsyncConnector
    from ..observers import RunFinished
    from ..result import Result
    from ..store import ConnectorRecord, KeyRecord, Store, UsageRecord
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
        self._cache: ConnectorCache = request.app.state.connector_cache
        self._shared = self._cache.acquire(record)
        self._redact = self._shared.redact
        try:
            if touches_files(operation, params):
                folder, observers = self.workspace.path, [self._observe]
                self.connector: AsyncConnector = self._shared.connector(
                    self.store, folder, observers
                )
            else:
                self.connector = self._shared.plain(self.store)
        except BaseException:
            self._cache.drop(self._shared)
            raise
        self.result: Result | None = None
        self._held: list[UsageRecord] = []
        """Rows of a connector that keeps content: written once the run's answer is known."""
        self._queued: list[Future[None] | None] = []

    async def __aenter__(self) -> Run:
        self.app.state.in_flight.enter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self._flush(self.result)
        finally:
            self.workspace.close()
            self.app.state.in_flight.leave()
            await self._cache.release(self._shared)

    def _observe(self, event: Exchange | RunFinished) -> None:
        """The connector's observer (on the event loop): count the exchange, queue its row."""
        if not isinstance(event, Exchange):
            return
        self.app.state.metrics.observe(event, self.record.name)
        row = usage_record(
            event, self.app.state.prices, connector=self.record, caller=self.key.name
        )
        if self.record.log_content:
            self._held.append(row)
        else:
            self._queued.append(self.app.state.usage_writer.submit([row]))

    async def _flush(self, result: Result | None) -> None:
        """Queue the held rows (the content of the run on its last one) and wait until the
        run's rows are written: the next budget check sees their cost."""
        held, self._held = self._held, []
        if held:
            known = self.connector.redactor  # resolved references too, once the call ran
            content = content_of(self.params, result, lambda s: known(self._redact(s)))
            held[-1] = replace(held[-1], content=content)
        writer = self.app.state.usage_writer
        queued, self._queued = [*self._queued, writer.submit(held)], []
        await writer.wait(queued)

    async def run(self) -> Result:
        """The result; a ConnectorError (redacted) when the call fails. Recorded either way."""
        context = CURRENT_RUN.set(self._observe)
        try:
            result = await self.connector.run(self.operation, self.params)
        except ConnectorError as exc:
            exc.redacted(self._redact)
            await self._flush(None)
            raise
        finally:
            CURRENT_RUN.reset(context)
        self.result = result
        await self._flush(result)
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
            CURRENT_RUN.set(self._observe)  # the context of the task reading the stream
            try:
                async for chunk in stream:
                    yield chunk
            except ConnectorError as exc:
                exc.redacted(self._redact)
                await self._flush(None)
                raise
            finally:
                await stream.aclose()
            self.result = stream.result
            await self._flush(stream.result)

        return chunks()

    def envelope(self, result: Result, inline_limit: int) -> dict[str, Any]:
        """``{status, headers, body, meta}``: bytes inline (base64) up to ``inline_limit``,
        else (and files the call wrote) as one-time downloads."""
        body: Any = result.body
        meta = jsonable(result.meta())
        meta["request_id"] = result.request_id
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
