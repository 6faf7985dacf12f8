"""Streamed calls, one class per face: iterate for chunks; ``result`` holds the whole answer.

The work per chunk (decoding, assembling, redacting) is :class:`~.streaming.StreamState`'s;
these classes only open the stream with the face's retries and drive the reading. A stream
is bounded (``network.max_response_bytes`` in all, :data:`~.constants.MAX_EVENT_LINE_BYTES`
a line), and one left before its end (``break``, ``close()``, leaving a ``with`` block)
closes its connection.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

from .constants import MAX_EVENT_LINE_BYTES
from .errors import ConnectionFailed, ConnectorError
from .result import Result
from .streaming import StreamChunk, StreamState
from .transport.body import StreamLimit
from .transport.request import AsyncStream, SyncStream
from .transport.retry import RetryClock

if TYPE_CHECKING:
    from .connector import AsyncConnector, Connector
    from .core import Prepared


def _limit(connector: AsyncConnector | Connector, prepared: Prepared) -> StreamLimit:
    network = connector._core.connection.network
    return StreamLimit(network.max_response_bytes, MAX_EVENT_LINE_BYTES, prepared.operation.id)


class AsyncResultStream:
    """A streamed call: iterate for :class:`StreamChunk`; ``result`` holds the whole answer."""

    _reading: weakref.ref[AsyncGenerator[StreamChunk, None]] | None = None
    """The iteration under way; weak, so one left by ``break`` is closed when dropped."""

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

    async def _chunks(self) -> AsyncGenerator[StreamChunk, None]:
        core = self._connector._core
        try:
            outcome = await self._open()
            if isinstance(outcome, Result):
                self.result = outcome
                return
            state = self._state
            state.begin(outcome.status, outcome.headers)
            limit = _limit(self._connector, self._prepared)
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
            raise core.redact_error(exc) from None

    def __aiter__(self) -> AsyncGenerator[StreamChunk, None]:
        reading = self._chunks()
        self._reading = weakref.ref(reading)
        return reading

    async def collect(self) -> Result:
        """Read the whole stream and return the assembled result."""
        async for _ in self.__aiter__():
            pass
        assert self.result is not None
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


class ResultStream:
    """A streamed call: iterate for :class:`StreamChunk`; ``result`` holds the whole answer."""

    _reading: weakref.ref[Generator[StreamChunk, None, None]] | None = None
    """The iteration under way; weak, so one left by ``break`` is closed when dropped."""

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

    def _chunks(self) -> Generator[StreamChunk, None, None]:
        core = self._connector._core
        try:
            outcome = self._open()
            if isinstance(outcome, Result):
                self.result = outcome
                return
            state = self._state
            state.begin(outcome.status, outcome.headers)
            limit = _limit(self._connector, self._prepared)
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
            raise core.redact_error(exc) from None

    def __iter__(self) -> Generator[StreamChunk, None, None]:
        reading = self._chunks()
        self._reading = weakref.ref(reading)
        return reading

    def collect(self) -> Result:
        """Read the whole stream and return the assembled result."""
        for _ in self.__iter__():
            pass
        assert self.result is not None
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
