"""Streamed calls, one class per face: iterate for chunks; ``result`` holds the whole answer.

The work per chunk (decoding, assembling, redacting) is :class:`~.streaming.StreamState`'s;
the opening, with its retries, is the core's plan (:func:`~.plans.exchange` with
:func:`~.plans.open_stream`) run by the face's driver; these classes only drive the
reading. A stream sends its request once: ``collect()`` after iterating returns the same
answer (or reads on where the iteration stopped). A stream is bounded
(``network.max_response_bytes`` in all, :data:`~.constants.MAX_EVENT_LINE_BYTES` a line),
and one left before its end (``break``, ``close()``, leaving a ``with`` block) closes its
connection; ``collect()`` then raises :class:`~.errors.StreamInterrupted` rather than send
the request again.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any, Protocol

from . import plans
from .constants import MAX_EVENT_LINE_BYTES
from .errors import ConnectionFailed, ConnectorError, StreamInterrupted
from .result import Result
from .streaming import StreamChunk, StreamState
from .transport.body import StreamLimit

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from .core import Core, Prepared
    from .observers import Run
    from .steps import Plan


class _SyncDriver(Protocol):
    def drive(self, plan: Plan[Any], observed: Run | None = None) -> Any: ...


class _AsyncDriver(Protocol):
    def drive(self, plan: Plan[Any], observed: Run | None = None) -> Awaitable[Any]: ...


class _Observed:
    """What both stream classes share: the call, its state, and its observer events."""

    _reading: weakref.ref[Any] | None = None
    """The iteration under way; weak, so one left by ``break`` is closed when dropped."""
    _started = False

    def __init__(
        self,
        core: Core,
        prepared: Prepared | Plan[Prepared],
        observed: Run | None = None,
        *,
        top: bool = False,
    ) -> None:
        self._core = core
        self._prepared: Prepared | None = None
        self._preparing: Plan[Prepared] | None = None
        self._state: StreamState | None = None
        if isinstance(prepared, Generator):
            self._preparing = prepared
        else:
            self._set(prepared)
        self._observed = observed
        self._top = top
        self._began = core.clock()
        self.result: Result | None = None

    def _set(self, prepared: Prepared) -> None:
        self._prepared = prepared
        self._state = StreamState(self._core, prepared)

    def _limit(self) -> StreamLimit:
        network = self._core.connection.network
        assert self._prepared is not None
        return StreamLimit(
            network.max_response_bytes, MAX_EVENT_LINE_BYTES, self._prepared.operation.id
        )

    def _opening(self) -> Plan[Any]:
        prepared, state = self._prepared, self._state
        assert prepared is not None and state is not None
        return plans.exchange(
            self._core,
            prepared,
            lambda clock: plans.open_stream(state, prepared.request, clock),
            self._observed,
        )

    def _left(self) -> StreamInterrupted:
        operation = self._prepared.operation.id if self._prepared else "stream"
        return StreamInterrupted(
            f"{operation}: the stream was left before its end and its connection closed; "
            "it is not sent again",
            hint="call collect() before iterating, or read the stream to its end",
        )

    def _exchange(
        self, *, result: Result | None = None, error: ConnectorError | None = None
    ) -> None:
        observers = self._core.observers
        if self._observed is not None and self._prepared is not None:
            observers.exchange(
                self._observed,
                self._prepared.operation.id,
                plans.model_of(self._prepared),
                self._began,
                self._core.clock(),
                result=result,
                error=error,
                streamed=True,
            )

    def _finished(
        self, *, result: Result | None = None, error: BaseException | None = None
    ) -> None:
        if self._top and self._observed is not None:
            model = plans.model_of(self._prepared) if self._prepared is not None else None
            self._core.observers.finished(
                self._observed,
                model,
                self._began,
                self._core.clock(),
                result=result,
                error=error,
                streamed=True,
            )

    def _check_again(self) -> Any:
        """A second iteration: the answer read already (nothing more), or an error."""
        reading = self._reading() if self._reading is not None else None
        if reading is not None:
            return reading
        if self.result is None:
            raise self._left()
        return None


class AsyncResultStream(_Observed):
    """A streamed call: iterate for :class:`StreamChunk`; ``result`` holds the whole answer."""

    def __init__(
        self,
        core: Core,
        driver: _AsyncDriver,
        prepared: Prepared | Plan[Prepared],
        observed: Run | None = None,
        *,
        top: bool = False,
    ) -> None:
        super().__init__(core, prepared, observed, top=top)
        self._driver = driver

    async def _chunks(self) -> AsyncGenerator[StreamChunk, None]:
        core = self._core
        try:
            if self._preparing is not None:
                self._set(await self._driver.drive(self._preparing, self._observed))
            outcome = await self._driver.drive(self._opening(), self._observed)
        except ConnectorError as exc:
            self._finished(error=exc)
            raise core.redact_error(exc) from None
        if isinstance(outcome, Result):
            self.result = outcome
            self._finished(result=outcome)
            return
        state = self._state
        assert state is not None
        try:
            state.begin(outcome.status, outcome.headers)
            limit = self._limit()
            try:
                async for raw in outcome.chunks():
                    limit.check(raw)
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
            self._exchange(error=exc)
            self._finished(error=exc)
            raise core.redact_error(exc) from None
        except BaseException as exc:  # left early (GeneratorExit) or cancelled
            self._exchange(error=self._left())
            self._finished(error=exc)
            raise
        self._exchange(result=self.result)
        self._finished(result=self.result)

    def __aiter__(self) -> AsyncGenerator[StreamChunk, None]:
        if self._started:
            reading = self._check_again()
            return reading if reading is not None else _nothing()
        self._started = True
        reading = self._chunks()
        self._reading = weakref.ref(reading)
        return reading

    async def collect(self) -> Result:
        """Read the whole stream (or the rest of it) and return the assembled result."""
        async for _ in self.__aiter__():
            pass
        if self.result is None:
            raise self._left()
        return self.result

    async def aclose(self) -> None:
        """Stop reading: the connection of a stream not read to its end is closed."""
        reading = self._reading() if self._reading is not None else None
        if reading is not None:
            await reading.aclose()

    async def __aenter__(self) -> AsyncResultStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class ResultStream(_Observed):
    """A streamed call: iterate for :class:`StreamChunk`; ``result`` holds the whole answer."""

    def __init__(
        self,
        core: Core,
        driver: _SyncDriver,
        prepared: Prepared | Plan[Prepared],
        observed: Run | None = None,
        *,
        top: bool = False,
    ) -> None:
        super().__init__(core, prepared, observed, top=top)
        self._driver = driver

    def _chunks(self) -> Generator[StreamChunk, None, None]:
        core = self._core
        try:
            if self._preparing is not None:
                self._set(self._driver.drive(self._preparing, self._observed))
            outcome = self._driver.drive(self._opening(), self._observed)
        except ConnectorError as exc:
            self._finished(error=exc)
            raise core.redact_error(exc) from None
        if isinstance(outcome, Result):
            self.result = outcome
            self._finished(result=outcome)
            return
        state = self._state
        assert state is not None
        try:
            state.begin(outcome.status, outcome.headers)
            limit = self._limit()
            try:
                for raw in outcome.chunks():
                    limit.check(raw)
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
            self._exchange(error=exc)
            self._finished(error=exc)
            raise core.redact_error(exc) from None
        except BaseException as exc:  # left early (GeneratorExit)
            self._exchange(error=self._left())
            self._finished(error=exc)
            raise
        self._exchange(result=self.result)
        self._finished(result=self.result)

    def __iter__(self) -> Generator[StreamChunk, None, None]:
        if self._started:
            reading = self._check_again()
            if reading is None:
                return _none()
            assert isinstance(reading, Generator)
            return reading
        self._started = True
        reading = self._chunks()
        self._reading = weakref.ref(reading)
        return reading

    def collect(self) -> Result:
        """Read the whole stream (or the rest of it) and return the assembled result."""
        for _ in self.__iter__():
            pass
        if self.result is None:
            raise self._left()
        return self.result

    def close(self) -> None:
        """Stop reading: the connection of a stream not read to its end is closed."""
        reading = self._reading() if self._reading is not None else None
        if reading is not None:
            reading.close()

    def __enter__(self) -> ResultStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _none() -> Generator[StreamChunk, None, None]:
    yield from ()


async def _nothing() -> AsyncGenerator[StreamChunk, None]:
    return
    yield  # an async generator that yields nothing
