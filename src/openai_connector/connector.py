"""The two faces of one core: :class:`AsyncConnector` (aiohttp) and :class:`Connector` (urllib3).

Both validate input, resolve secrets, build the request and read the response through
:class:`~openai_connector.core.Core`; only the waiting differs.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from .connection import Connection, RetryPolicy
from .core import Core, Prepared
from .errors import APIStatusError, ConnectorError, TransportError, UnsupportedOperation
from .operations import registry
from .operations.base import Context, ModelNotNamed, Operation, Progress
from .policy import SecretSource, TrustPolicy
from .result import Result
from .result_streams import AsyncResultStream, ResultStream
from .secrets import Redactor
from .streaming import StreamChunk
from .transport.request import AsyncTransport, SyncTransport
from .transport.retry import RetryClock

MODELS_NOT_LISTED = frozenset({404, 405, 501})
"""Statuses of a server that has no model list (other errors, e.g. 401, are reported as such)."""


def _connection(connection: Connection | None, fields: dict[str, Any]) -> Connection:
    """The given connection, else one from ``fields`` and the environment (the variables
    the CLI and the official SDKs read: OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_*...),
    the fields winning."""
    if connection is None:
        from .config import build_connection

        return build_connection(fields)
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
        secrets: SecretSource | None = None,
        policy: TrustPolicy | None = None,
        debug: bool = False,
        transport: AsyncTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        **fields: Any,
    ) -> None:
        connection = _connection(connection, fields)
        self._core = Core(connection, secrets=secrets, policy=policy, debug=debug, clock=clock)
        if transport is None:
            from .transport.aio import AiohttpTransport

            transport = AiohttpTransport(self._core.network())
            for password in transport.proxy_passwords:
                self._core.redactor.add(password)
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
            elif prepared.spec is not None and prepared.spec.download is not None:
                from .download_streams import download_async

                result = await download_async(self, prepared)
            else:
                result = await self._send(prepared)
            if op.post_process is not None:
                result = op.post_process(result, prepared.data, core.context)
            return result
        except ConnectorError as exc:
            raise core.redact_error(exc) from None
        except ModelNotNamed as signal:
            await self._list_models(signal)
            return await self.run(
                operation, params, retry=retry, timeout=timeout, progress=progress
            )

    async def _list_models(self, signal: ModelNotNamed) -> None:
        """Ask the compatible server for its models, once per connector."""
        try:
            listed = await self.run("models.list")
        except APIStatusError as exc:
            if exc.status not in MODELS_NOT_LISTED:
                raise
            raise self._core.models_not_listed(signal, exc) from None
        self._core.remember_models(listed.body)

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
        except ModelNotNamed as signal:
            return _ModelListingStream(
                self,
                signal,
                lambda: self._prepare_stream(operation, params, retry=retry, timeout=timeout),
            )
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


class Connector(_Face):
    """Runs operations synchronously (urllib3); thread-safe for concurrent calls."""

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        secrets: SecretSource | None = None,
        policy: TrustPolicy | None = None,
        debug: bool = False,
        transport: SyncTransport | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        **fields: Any,
    ) -> None:
        connection = _connection(connection, fields)
        self._core = Core(connection, secrets=secrets, policy=policy, debug=debug, clock=clock)
        if transport is None:
            from .transport.sync import Urllib3Transport

            transport = Urllib3Transport(self._core.network())
            for password in transport.proxy_passwords:
                self._core.redactor.add(password)
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
                result = _run_outside_loop(self._run_composite(prepared, progress))
            elif prepared.spec is not None and prepared.spec.stream:
                result = ResultStream(self, prepared).collect()
            elif prepared.spec is not None and prepared.spec.download is not None:
                from .download_streams import download_sync

                result = download_sync(self, prepared)
            else:
                result = self._send(prepared)
            if op.post_process is not None:
                result = op.post_process(result, prepared.data, core.context)
            return result
        except ConnectorError as exc:
            raise core.redact_error(exc) from None
        except ModelNotNamed as signal:
            self._list_models(signal)
            return self.run(operation, params, retry=retry, timeout=timeout, progress=progress)

    def _list_models(self, signal: ModelNotNamed) -> None:
        """Ask the compatible server for its models, once per connector."""
        try:
            listed = self.run("models.list")
        except APIStatusError as exc:
            if exc.status not in MODELS_NOT_LISTED:
                raise
            raise self._core.models_not_listed(signal, exc) from None
        self._core.remember_models(listed.body)

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
            try:
                prepared = self._prepare_stream(operation, params, retry=retry, timeout=timeout)
            except ModelNotNamed as signal:
                self._list_models(signal)
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


class _ModelListingStream(AsyncResultStream):
    """An async stream that first lists the server's models (its model was not named)."""

    def __init__(
        self, connector: AsyncConnector, signal: ModelNotNamed, prepare: Callable[[], Prepared]
    ) -> None:
        self._connector = connector
        self._signal = signal
        self._prepare = prepare
        self.result = None

    async def _chunks(self) -> AsyncGenerator[StreamChunk, None]:
        connector = self._connector
        try:
            await connector._list_models(self._signal)
            prepared = self._prepare()
        except ConnectorError as exc:
            raise connector._core.redact_error(exc) from None
        stream = AsyncResultStream(connector, prepared)
        async with stream:  # left early: the inner stream's connection is closed too
            async for chunk in stream:
                yield chunk
        self.result = stream.result


def _run_outside_loop(work: Coroutine[Any, Any, Result]) -> Result:
    """``asyncio.run(work)``; in a worker thread (joined before returning) when this thread
    already runs an event loop (Jupyter, an async web handler), where asyncio.run cannot.
    The caller waits either way, as for any sync call."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    context = contextvars.copy_context()
    with ThreadPoolExecutor(1, thread_name_prefix="openai-connector") as worker:
        return worker.submit(context.run, asyncio.run, work).result()


def _awaitable_sleep(sleep: Callable[[float], Any]) -> Callable[[float], Awaitable[Any]]:
    """The sync face's sleep for its composites' event loop (time.sleep becomes asyncio's)."""
    if sleep is time.sleep:
        return asyncio.sleep

    async def pause(seconds: float) -> None:
        outcome = sleep(seconds)
        if inspect.isawaitable(outcome):
            await outcome

    return pause
