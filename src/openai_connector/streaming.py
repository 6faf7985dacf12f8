"""Streamed responses: one call's stream state, shared by both faces (the chunks a caller
sees and the assembler protocol are in :mod:`.stream_events`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import ConnectionFailed, RequestTimeout, StreamInterrupted
from .result import RateLimit, Result, request_id_of
from .stream_events import StreamAssembler, StreamChunk, is_done, parse_event
from .transport.sse import SseDecoder, SseEvent
from .usage import Usage

__all__ = ["StreamAssembler", "StreamChunk", "StreamState", "is_done", "parse_event"]

if TYPE_CHECKING:
    from .core import Core, Prepared
    from .transport.retry import RetryClock


class StreamState:
    """One streamed call's progress, shared by the async and the sync stream readers."""

    __slots__ = (
        "_assembler",
        "_core",
        "_decoder",
        "_headers",
        "_held",
        "_prepared",
        "_status",
        "clock",
    )

    def __init__(self, core: Core, prepared: Prepared) -> None:
        assert prepared.operation.assembler is not None
        self._core = core
        self._prepared = prepared
        self._assembler = prepared.operation.assembler()
        self._decoder = SseDecoder()
        self._status = 0
        self._headers: dict[str, str] = {}
        self._held = ""
        """Text held back from the caller: it may be the start of a secret."""
        self.clock: RetryClock | None = None

    @staticmethod
    def is_event_stream(status: int, headers: dict[str, str]) -> bool:
        """A 2xx answer of media type ``text/event-stream`` (any case, parameters allowed)."""
        if not 200 <= status < 300:
            return False
        media_type = headers.get("content-type", "")
        return (
            media_type.startswith("text/event-stream")
            or media_type.split(";", 1)[0].strip().lower() == "text/event-stream"
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

    def _chunks(self, events: list[SseEvent]) -> Iterator[StreamChunk]:
        # a generator: each chunk reaches the caller before the next event is read, so a
        # network read's events are never all alive at once (fewer full GC passes)
        add = self._assembler.add
        redactor = self._core.redactor
        for event in events:
            if redactor.may_hold_text(event.data):
                # a server echoing a secret (perhaps escaped): never pass it on; the JSON
                # is redacted in its strings, so numbers and the event's shape stay
                event.data = redactor.json_text(event.data)
            chunk = add(event)
            if chunk is None:
                continue
            if self._held or chunk.text:
                self._hold_back(chunk)
            yield chunk

    def _hold_back(self, chunk: StreamChunk) -> None:
        """Show the chunk's text up to a tail that may begin a secret (the next event
        decides), so a secret split across events is masked whole; ``data`` says the same."""
        raw = chunk.text or ""
        ready, self._held = self._core.redactor.split_pending(self._held + raw)
        if ready != raw:
            if raw:
                chunk.data = _replace_string(chunk.data, raw, ready)
            chunk.text = ready or None

    def feed(self, raw: bytes) -> Iterator[StreamChunk]:
        return self._chunks(self._decoder.feed(raw))

    def flush(self) -> Iterator[StreamChunk]:
        yield from self._chunks(self._decoder.flush())
        if self._held:  # the stream ended: what was held back was not a secret
            held, self._held = self._held, ""
            yield StreamChunk(None, held)

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
            request_id=request_id_of(self._headers),
        )


def assemble(core: Core, prepared: Prepared, content: bytes) -> Any:
    """The body a whole event stream rebuilds (a server that streamed though not asked);
    secrets redacted as in a stream read as it comes."""
    assert prepared.operation.assembler is not None
    assembler = prepared.operation.assembler()
    decoder = SseDecoder()
    redactor = core.redactor
    for event in [*decoder.feed(content), *decoder.flush()]:
        if redactor.may_hold_text(event.data):
            event.data = redactor.json_text(event.data)
        assembler.add(event)
    if not assembler.complete:
        raise StreamInterrupted(
            f"{prepared.operation.id}: the event stream ended before the provider said it "
            "was done; the answer is incomplete",
            hint="retry the call; if it keeps happening, a proxy may be cutting streams",
        )
    body = assembler.body()
    return redactor.deep(body) if redactor else body


def _replace_string(data: Any, old: str, new: str) -> Any:
    """``data`` with its first string equal to ``old`` (the chunk's text) set to ``new``."""
    found = False

    def walk(value: Any) -> Any:
        nonlocal found
        if found:
            return value
        if isinstance(value, str):
            if value == old:
                found = True
                return new
            return value
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(data)
