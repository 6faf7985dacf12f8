"""What a stream's assembler works with: the chunks a caller sees, the assembler protocol,
and the event helpers. Operations import this module (not :mod:`.streaming`, whose
stream state needs the core), so no import cycle runs through the core."""

from __future__ import annotations

from typing import Any, Protocol

from . import bounded_json
from .errors import InvalidResponse
from .transport.sse import SseEvent


class StreamChunk:
    """One decoded event: ``data`` as the provider sent it, ``text`` the new text if any.

    Both are redacted: a secret shows as ``***``, and text that may be the start of a secret
    is held back until the next event shows whether it is one (it then comes with that
    chunk; at the end of the stream, in a last chunk whose ``data`` is None)."""

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
        return bounded_json.loads(event.data)
    except ValueError as exc:
        raise InvalidResponse(
            f"the stream sent an event that {bounded_json.describe(exc)}: {event.data[:80]!r}"
        ) from None


def is_done(event: SseEvent) -> bool:
    """The ``data: [DONE]`` sentinel (surrounding spaces allowed)."""
    data = event.data
    return data == "[DONE]" or (len(data) < 16 and data.strip() == "[DONE]")
