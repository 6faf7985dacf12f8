"""The two faces of one core: :class:`AsyncConnector` (aiohttp) and :class:`Connector` (urllib3).

Both run the core's plans (:mod:`.plans`: validate, resolve secrets, build the request, retry,
read the response, and the composite operations' inner calls) with their own driver
(:mod:`.drivers`); only the waiting differs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from . import plans
from .connection import Connection, RetryPolicy
from .core import Core
from .drivers import AsyncDriver, SyncDriver
from .errors import ConnectorError
from .observers import Observer, Run
from .operations.base import Context, ModelNotNamed, Operation, Progress
from .policy import SecretSource, TrustPolicy
from .result import Result
from .result_streams import AsyncResultStream, ResultStream
from .secrets import Redactor
from .transport.request import AsyncTransport, SyncTransport


def _connection(connection: Connection | None, fields: dict[str, Any]) -> Connection:
    """The given connection, else one from ``fields`` and the environment (the variables
    the CLI and the official SDKs read: OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_*...),
    the fields winning."""
    if connection is None:
        from .config import build_connection

        return build_connection(fields)
    return connection.model_copy(update=fields) if fields else connection


def _operation_id(operation: str | Operation) -> str:
    return operation.id if isinstance(operation, Operation) else operation


def _model_named(params: Any) -> str | None:
    model = params.get("model") if isinstance(params, dict) else getattr(params, "model", None)
    return model if isinstance(model, str) else None


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

    @property
    def name(self) -> str | None:
        """The connector's name, given to observers (``Exchange.connection``)."""
        return self._core.observers.name

    def _run_started(self, operation: str | Operation) -> Run | None:
        observers = self._core.observers
        return observers.start(_operation_id(operation)) if observers.active else None

    def _run_ended(
        self,
        run: Run,
        params: Any,
        started: float,
        *,
        result: Result | None = None,
        error: BaseException | None = None,
    ) -> None:
        core = self._core
        model = result_model(result) or _model_named(params)
        core.observers.finished(run, model, started, core.clock(), result=result, error=error)


def result_model(result: Result | None) -> str | None:
    """The model a provider's answer names (``body.model``), if any."""
    body = result.body if result is not None else None
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


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
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        observers: Sequence[Observer] = (),
        name: str | None = None,
        **fields: Any,
    ) -> None:
        connection = _connection(connection, fields)
        self._core = Core(
            connection,
            secrets=secrets,
            policy=policy,
            debug=debug,
            clock=clock,
            observers=observers,
            name=name,
        )
        if transport is None:
            from .transport.aio import AiohttpTransport

            transport = AiohttpTransport(self._core.network())
            for password in transport.proxy_passwords:
                self._core.redactor.add(password)
        if sleep is None:
            import asyncio  # here, not at the top: the sync face never needs it

            sleep = asyncio.sleep
        self._transport = transport
        self._sleep = sleep
        self._driver = AsyncDriver(self._core, transport, sleep)

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
        if not core.observers.active:  # the usual call: nobody listens
            return await self._driver.drive(
                plans.run(core, operation, params, retry=retry, timeout=timeout, progress=progress)
            )
        run = core.observers.start(_operation_id(operation))
        plan = plans.run(
            core,
            operation,
            params,
            retry=retry,
            timeout=timeout,
            progress=progress,
            observed=run,
        )
        started = core.clock()
        try:
            result = await self._driver.drive(plan, run)
        except BaseException as exc:
            self._run_ended(run, params, started, error=exc)
            raise
        self._run_ended(run, params, started, result=result)
        return result

    def stream(
        self,
        operation: str | Operation,
        params: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> AsyncResultStream:
        """Stream an operation: ``async for chunk in stream``; then ``stream.result``.

        A bad input is raised here; a connection whose preparing may block (a token
        command, secret files) or that must first list a server's models is prepared when
        the iteration begins, off the event loop."""
        core = self._core
        run = self._run_started(operation)
        plan = plans.prepare_stream(core, operation, params, retry=retry, timeout=timeout)
        if not core.blocks:
            try:
                prepared = core.prepare_stream(operation, params, retry=retry, timeout=timeout)
            except ConnectorError as exc:
                if run is not None:
                    self._run_ended(run, params, core.clock(), error=exc)
                raise core.redact_error(exc) from None
            except ModelNotNamed:
                pass
            else:
                return AsyncResultStream(core, self._driver, prepared, run, top=True)
        return AsyncResultStream(core, self._driver, plan, run, top=True)


class Connector(_Face):
    """Runs operations synchronously (urllib3); thread-safe for concurrent calls.

    Composite operations run on this face too, with its own (or the injected) transport:
    ``chat.create_many`` and ``chat.summarize`` run their items on a pool of threads."""

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
        observers: Sequence[Observer] = (),
        name: str | None = None,
        **fields: Any,
    ) -> None:
        connection = _connection(connection, fields)
        self._core = Core(
            connection,
            secrets=secrets,
            policy=policy,
            debug=debug,
            clock=clock,
            observers=observers,
            name=name,
        )
        if transport is None:
            from .transport.sync import Urllib3Transport

            transport = Urllib3Transport(self._core.network())
            for password in transport.proxy_passwords:
                self._core.redactor.add(password)
        self._transport = transport
        self._sleep = sleep
        self._driver = SyncDriver(self._core, transport, sleep)

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
        if not core.observers.active:  # the usual call: nobody listens
            return self._driver.drive(
                plans.run(core, operation, params, retry=retry, timeout=timeout, progress=progress)
            )
        run = core.observers.start(_operation_id(operation))
        plan = plans.run(
            core,
            operation,
            params,
            retry=retry,
            timeout=timeout,
            progress=progress,
            observed=run,
        )
        started = core.clock()
        try:
            result = self._driver.drive(plan, run)
        except BaseException as exc:
            self._run_ended(run, params, started, error=exc)
            raise
        self._run_ended(run, params, started, result=result)
        return result

    def stream(
        self,
        operation: str | Operation,
        params: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> ResultStream:
        """Stream an operation: ``for chunk in stream``; then ``stream.result``."""
        core = self._core
        run = self._run_started(operation)
        started = core.clock()
        plan = plans.prepare_stream(core, operation, params, retry=retry, timeout=timeout)
        try:
            prepared = self._driver.drive(plan, run)
        except ConnectorError as exc:
            if run is not None:
                self._run_ended(run, params, started, error=exc)
            raise core.redact_error(exc) from None
        return ResultStream(core, self._driver, prepared, run, top=True)
