"""The two faces of one core: :class:`AsyncConnector` (aiohttp) and :class:`Connector` (urllib3).

Both validate input, resolve secrets, build the request and read the response through
:class:`~openai_connector.core.Core`; only the waiting differs.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from pydantic import BaseModel

from .connection import Connection, RetryPolicy
from .core import Core, Prepared
from .errors import ConnectionFailed, ConnectorError, TransportError, UnsupportedOperation
from .operations import registry
from .operations.base import Context, Operation, Progress
from .result import Result
from .secrets import Redactor, SecretStore
from .streaming import StreamChunk, StreamState
from .transport.request import AsyncStream, AsyncTransport, SyncStream, SyncTransport
from .transport.retry import RetryClock


def _connection(connection: Connection | None, fields: dict[str, Any]) -> Connection:
    if connection is None:
        return Connection.from_settings(fields)
    return connection.model_copy(update=fields) if fields else connection


class _Face:
    """What both faces share: the core and its accessors."""

    _core: Core

    @property
    def connection(self) -> Connection:
        return self._core.connection

    @property
    def redactor(self) -> Redactor:
        """Redacts every secret this connector has resolved (use it on your own output)."""
        return self._core.redactor

    @property
    def context(self) -> Context:
        return self._core.context

    def _prepare_stream(self, operation: str | Operation, params: Any, **options: Any) -> Prepared:
        op = operation if isinstance(operation, Operation) else registry.get(operation)
        if op.assembler is None or "stream" not in op.input.model_fields:
            raise UnsupportedOperation(f"{op.id} does not stream", hint="use run() for it")
        if isinstance(params, BaseModel):
            params = params.model_dump(exclude_unset=True)
        return self._core.prepare(op, {**(params or {}), "stream": True}, **options)


class AsyncConnector(_Face):
    """Runs operations with asyncio; many calls may be in flight on one connector."""

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        secrets: SecretStore | None = None,
        debug: bool = False,
        transport: AsyncTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        **fields: Any,
    ) -> None:
        connection = _connection(connection, fields)
        self._core = Core(connection, secrets=secrets, debug=debug, clock=clock)
        if transport is None:
            from .transport.aio import AiohttpTransport

            transport = AiohttpTransport(self._core.network())
        self._transport = transport
        self._sleep = sleep

    @classmethod
    def _sharing(
        cls,
        core: Core,
        transport: AsyncTransport,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> AsyncConnector:
        face = cls.__new__(cls)
        face._core = core
        face._transport = transport
        face._sleep = sleep
        return face

    async def __aenter__(self) -> AsyncConnector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def run(
        self,
        operation: str | Operation,
        params: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Run one operation and return its envelope; raise a ConnectorError on failure.

        ``progress`` receives events from long waits (polling, many chats).
        """
        core = self._core
        try:
            prepared = core.prepare(operation, params, retry=retry, timeout=timeout)
            op = prepared.operation
            if op.runner is not None:
                result = await op.runner(_AsyncRunner(self, progress), prepared.data)
            elif prepared.spec is not None and prepared.spec.stream:
                result = await AsyncResultStream(self, prepared).collect()
            else:
                result = await self._send(prepared)
            if op.post_process is not None:
                result = op.post_process(result, prepared.data, core.context)
            return result
        except ConnectorError as exc:
            raise core.redact_error(exc) from None

    def stream(
        self,
        operation: str | Operation,
        params: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> AsyncResultStream:
        """Stream an operation: ``async for chunk in stream``; then ``stream.result``."""
        try:
            prepared = self._prepare_stream(operation, params, retry=retry, timeout=timeout)
        except ConnectorError as exc:
            raise self._core.redact_error(exc) from None
        return AsyncResultStream(self, prepared)

    async def _send(self, prepared: Prepared) -> Result:
        # The loop of _with_retries, written out: the hot path of every plain call.
        core = self._core
        request = prepared.request
        assert request is not None
        clock = RetryClock(prepared.policy, core.clock)
        per_attempt = request.timeout
        while True:
            core.start_attempt(prepared, clock, per_attempt)
            try:
                response = await self._transport.send(request)
                if core.logs(request):
                    core.log_response(
                        request,
                        response.status,
                        response.headers,
                        response.content,
                        clock.attempt_elapsed(),
                    )
                result = core.result(prepared, response, clock.attempt, clock.started)
            except TransportError as exc:
                pause = core.pause_after_error(prepared, clock, exc)
            else:
                if result.ok:
                    return result
                pause = core.pause_after_status(prepared, clock, result)
            if pause > 0:
                await self._sleep(pause)

    async def _with_retries(
        self, prepared: Prepared, attempt: Callable[[RetryClock], Awaitable[Any]]
    ) -> Any:
        core = self._core
        clock = RetryClock(prepared.policy, core.clock)
        assert prepared.request is not None
        per_attempt = prepared.request.timeout
        while True:
            core.start_attempt(prepared, clock, per_attempt)
            try:
                outcome = await attempt(clock)
            except TransportError as exc:
                pause = core.pause_after_error(prepared, clock, exc)
            else:
                if not isinstance(outcome, Result) or outcome.ok:
                    return outcome
                pause = core.pause_after_status(prepared, clock, outcome)
            if pause > 0:
                await self._sleep(pause)


class _AsyncRunner:
    """Lets a composite operation call others on the same connector."""

    def __init__(self, connector: AsyncConnector, progress: Progress | None = None) -> None:
        self._connector = connector
        self._progress = progress
        self.context = connector.context

    def progress(self, event: dict[str, Any]) -> None:
        if self._progress is not None:
            self._progress(event)

    async def sleep(self, seconds: float) -> None:
        await self._connector._sleep(seconds)

    def clock(self) -> float:
        return self._connector._core.clock()

    async def call(self, operation: str, params: dict[str, Any]) -> Result:
        return await self._connector.run(operation, params)

    async def call_streamed(self, operation: str, params: dict[str, Any]) -> Result:
        return await self._connector.stream(operation, params).collect()


class AsyncResultStream:
    """A streamed call: iterate for :class:`StreamChunk`; ``result`` holds the whole answer."""

    def __init__(self, connector: AsyncConnector, prepared: Prepared) -> None:
        self._connector = connector
        self._prepared = prepared
        self._state = StreamState(connector._core, prepared)
        self.result: Result | None = None

    async def _open(self) -> AsyncStream | Result:
        state = self._state

        async def attempt(clock: RetryClock) -> AsyncStream | Result:
            assert self._prepared.request is not None
            state.clock = clock
            stream = await self._connector._transport.open_stream(self._prepared.request)
            if state.is_event_stream(stream.status, stream.headers):
                return stream
            try:
                content = await stream.read()
            finally:
                await stream.close()
            return state.plain_result(stream.status, stream.headers, content)

        outcome: AsyncStream | Result = await self._connector._with_retries(self._prepared, attempt)
        return outcome

    async def _chunks(self) -> AsyncIterator[StreamChunk]:
        core = self._connector._core
        try:
            outcome = await self._open()
            if isinstance(outcome, Result):
                self.result = outcome
                return
            state = self._state
            state.begin(outcome.status, outcome.headers)
            try:
                async for raw in outcome.chunks():
                    for chunk in state.feed(raw):
                        yield chunk
                for chunk in state.flush():
                    yield chunk
            except ConnectionFailed as exc:
                raise state.interrupted(exc) from None
            finally:
                await outcome.close()
            self.result = state.finish()
        except ConnectorError as exc:
            raise core.redact_error(exc) from None

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        return self._chunks()

    async def collect(self) -> Result:
        """Read the whole stream and return the assembled result."""
        async for _ in self._chunks():
            pass
        assert self.result is not None
        return self.result

    async def __aenter__(self) -> AsyncResultStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connector(_Face):
    """Runs operations synchronously (urllib3); thread-safe for concurrent calls."""

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        secrets: SecretStore | None = None,
        debug: bool = False,
        transport: SyncTransport | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        **fields: Any,
    ) -> None:
        connection = _connection(connection, fields)
        self._core = Core(connection, secrets=secrets, debug=debug, clock=clock)
        if transport is None:
            from .transport.sync import Urllib3Transport

            transport = Urllib3Transport(self._core.network())
        self._transport = transport
        self._sleep = sleep

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def run(
        self,
        operation: str | Operation,
        params: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Run one operation and return its envelope; raise a ConnectorError on failure.

        ``progress`` receives events from long waits (polling, many chats).
        """
        core = self._core
        try:
            prepared = core.prepare(operation, params, retry=retry, timeout=timeout)
            op = prepared.operation
            if op.runner is not None:
                result = asyncio.run(self._run_composite(prepared, progress))
            elif prepared.spec is not None and prepared.spec.stream:
                result = ResultStream(self, prepared).collect()
            else:
                result = self._send(prepared)
            if op.post_process is not None:
                result = op.post_process(result, prepared.data, core.context)
            return result
        except ConnectorError as exc:
            raise core.redact_error(exc) from None

    async def _run_composite(self, prepared: Prepared, progress: Progress | None) -> Result:
        from .transport.aio import AiohttpTransport

        transport = AiohttpTransport(self._core.network())
        twin = AsyncConnector._sharing(self._core, transport, _awaitable_sleep(self._sleep))
        try:
            assert prepared.operation.runner is not None
            return await prepared.operation.runner(_AsyncRunner(twin, progress), prepared.data)
        finally:
            await transport.aclose()

    def stream(
        self,
        operation: str | Operation,
        params: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> ResultStream:
        """Stream an operation: ``for chunk in stream``; then ``stream.result``."""
        try:
            prepared = self._prepare_stream(operation, params, retry=retry, timeout=timeout)
        except ConnectorError as exc:
            raise self._core.redact_error(exc) from None
        return ResultStream(self, prepared)

    def _send(self, prepared: Prepared) -> Result:
        # The loop of _with_retries, written out: the hot path of every plain call.
        core = self._core
        request = prepared.request
        assert request is not None
        clock = RetryClock(prepared.policy, core.clock)
        per_attempt = request.timeout
        while True:
            core.start_attempt(prepared, clock, per_attempt)
            try:
                response = self._transport.send(request)
                if core.logs(request):
                    core.log_response(
                        request,
                        response.status,
                        response.headers,
                        response.content,
                        clock.attempt_elapsed(),
                    )
                result = core.result(prepared, response, clock.attempt, clock.started)
            except TransportError as exc:
                pause = core.pause_after_error(prepared, clock, exc)
            else:
                if result.ok:
                    return result
                pause = core.pause_after_status(prepared, clock, result)
            if pause > 0:
                self._sleep(pause)

    def _with_retries(self, prepared: Prepared, attempt: Callable[[RetryClock], Any]) -> Any:
        core = self._core
        clock = RetryClock(prepared.policy, core.clock)
        assert prepared.request is not None
        per_attempt = prepared.request.timeout
        while True:
            core.start_attempt(prepared, clock, per_attempt)
            try:
                outcome = attempt(clock)
            except TransportError as exc:
                pause = core.pause_after_error(prepared, clock, exc)
            else:
                if not isinstance(outcome, Result) or outcome.ok:
                    return outcome
                pause = core.pause_after_status(prepared, clock, outcome)
            if pause > 0:
                self._sleep(pause)


def _awaitable_sleep(sleep: Callable[[float], Any]) -> Callable[[float], Awaitable[Any]]:
    """The sync face's sleep for its composites' event loop (time.sleep becomes asyncio's)."""
    if sleep is time.sleep:
        return asyncio.sleep

    async def pause(seconds: float) -> None:
        outcome = sleep(seconds)
        if inspect.isawaitable(outcome):
            await outcome

    return pause


class ResultStream:
    """A streamed call: iterate for :class:`StreamChunk`; ``result`` holds the whole answer."""

    def __init__(self, connector: Connector, prepared: Prepared) -> None:
        self._connector = connector
        self._prepared = prepared
        self._state = StreamState(connector._core, prepared)
        self.result: Result | None = None

    def _open(self) -> SyncStream | Result:
        state = self._state

        def attempt(clock: RetryClock) -> SyncStream | Result:
            assert self._prepared.request is not None
            state.clock = clock
            stream = self._connector._transport.open_stream(self._prepared.request)
            if state.is_event_stream(stream.status, stream.headers):
                return stream
            try:
                content = stream.read()
            finally:
                stream.close()
            return state.plain_result(stream.status, stream.headers, content)

        outcome: SyncStream | Result = self._connector._with_retries(self._prepared, attempt)
        return outcome

    def _chunks(self) -> Iterator[StreamChunk]:
        core = self._connector._core
        try:
            outcome = self._open()
            if isinstance(outcome, Result):
                self.result = outcome
                return
            state = self._state
            state.begin(outcome.status, outcome.headers)
            try:
                for raw in outcome.chunks():
                    for chunk in state.feed(raw):
                        yield chunk
                    state.check_deadline()
                for chunk in state.flush():
                    yield chunk
            except ConnectionFailed as exc:
                raise state.interrupted(exc) from None
            finally:
                outcome.close()
            self.result = state.finish()
        except ConnectorError as exc:
            raise core.redact_error(exc) from None

    def __iter__(self) -> Iterator[StreamChunk]:
        return self._chunks()

    def collect(self) -> Result:
        """Read the whole stream and return the assembled result."""
        for _ in self._chunks():
            pass
        assert self.result is not None
        return self.result

    def __enter__(self) -> ResultStream:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
