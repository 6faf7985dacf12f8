"""Streamed responses: the pieces a caller sees, and the assemblers that rebuild a body."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ConnectionFailed, InvalidResponse, RequestTimeout, StreamInterrupted
from .result import RateLimit, Result
from .transport.sse import SseDecoder, SseEvent
from .usage import Usage

if TYPE_CHECKING:
    from .core import Core, Prepared
    from .transport.retry import RetryClock


class StreamChunk:
    """One decoded event: ``data`` as the provider sent it, ``text`` the new text if any."""

    __slots__ = ("data", "event", "text")

    def __init__(self, data: Any, text: str | None = None, event: str | None = None) -> None:
        self.data = data
        self.text = text
        self.event = event

    def __repr__(self) -> str:
        return f"StreamChunk(text={self.text!r}, event={self.event!r})"


class StreamAssembler(Protocol):
    """Turns events into chunks and, at the end, into the body a plain call would return."""

    complete: bool
    """True once the provider said the stream is over ([DONE] or a final event)."""

    def add(self, event: SseEvent) -> StreamChunk | None: ...

    def body(self) -> Any: ...


def parse_event(event: SseEvent) -> Any:
    try:
        return json.loads(event.data)
    except ValueError:
        raise InvalidResponse(
            f"the stream sent an event that is not JSON: {event.data[:80]!r}"
        ) from None


class StreamState:
    """One streamed call's progress, shared by the async and the sync stream readers."""

    __slots__ = ("_assembler", "_core", "_decoder", "_headers", "_prepared", "_status", "clock")

    def __init__(self, core: Core, prepared: Prepared) -> None:
        assert prepared.operation.assembler is not None
        self._core = core
        self._prepared = prepared
        self._assembler = prepared.operation.assembler()
        self._decoder = SseDecoder()
        self._status = 0
        self._headers: dict[str, str] = {}
        self.clock: RetryClock | None = None

    @staticmethod
    def is_event_stream(status: int, headers: dict[str, str]) -> bool:
        return 200 <= status < 300 and headers.get("content-type", "").startswith(
            "text/event-stream"
        )

    def plain_result(self, status: int, headers: dict[str, str], content: bytes) -> Result:
        """A response that is not an event stream: an error, or a server that did not stream."""
        assert self.clock is not None
        from .transport.request import HttpResponse

        self.log_response(status, headers, content)
        result = self._core.result(
            self._prepared,
            HttpResponse(status, headers, content),
            self.clock.attempt,
            self.clock.started,
        )
        if result.ok:
            result.extra["streamed"] = False
        return result

    def log_response(self, status: int, headers: dict[str, str], content: bytes | None) -> None:
        assert self.clock is not None and self._prepared.request is not None
        self._core.log_response(
            self._prepared.request, status, headers, content, self.clock.attempt_elapsed()
        )

    def begin(self, status: int, headers: dict[str, str]) -> None:
        self._status = status
        self._headers = self._core.redactor.headers(headers)
        self.log_response(status, headers, None)

    def _chunks(self, events: list[SseEvent]) -> list[StreamChunk]:
        add = self._assembler.add
        redactor = self._core.redactor
        chunks = []
        for event in events:
            if redactor.in_text(event.data):  # a server echoing a secret: never pass it on
                event.data = redactor(event.data)
            chunk = add(event)
            if chunk is not None:
                chunks.append(chunk)
        return chunks

    def feed(self, raw: bytes) -> list[StreamChunk]:
        return self._chunks(self._decoder.feed(raw))

    def flush(self) -> list[StreamChunk]:
        return self._chunks(self._decoder.flush())

    def check_deadline(self) -> None:
        assert self.clock is not None and self._prepared.request is not None
        limit = self._prepared.request.timeout  # this attempt's share (within any deadline)
        if self.clock.attempt_elapsed() > limit:
            raise RequestTimeout(
                f"{self._prepared.operation.id}: the stream did not finish within {limit:g} s",
                hint="raise the timeout, or check the server",
                attempts=self.clock.attempt,
            )

    def interrupted(self, error: ConnectionFailed) -> StreamInterrupted:
        """The connection broke after the stream began: what arrived is not the answer."""
        assert self.clock is not None
        return StreamInterrupted(
            f"{self._prepared.operation.id}: the connection broke off mid-stream "
            f"({error.message}); the answer is incomplete",
            hint="retry the call; if it keeps happening, a proxy may be cutting streams",
            attempts=self.clock.attempt,
        )

    def finish(self) -> Result:
        assert self.clock is not None
        if not self._assembler.complete:
            raise StreamInterrupted(
                f"{self._prepared.operation.id}: the stream ended before the provider said it "
                "was done; the answer is incomplete",
                hint="retry the call; if it keeps happening, a proxy may be cutting streams",
                attempts=self.clock.attempt,
            )
        body = self._assembler.body()
        if self._core.redactor:
            body = self._core.redactor.deep(body)
        return Result(
            self._status,
            self._headers,
            body,
            usage=Usage.from_body(body),
            attempts=self.clock.attempt,
            elapsed=self.clock.elapsed(),
            rate_limit=RateLimit.from_headers(self._headers),
            extra={"streamed": True},
        )
