"""``raw.request`` streamed: any server-sent event stream, read event by event.

Each event's ``data`` is parsed as JSON when it is JSON, else kept as text; the ``[DONE]``
sentinel (OpenAI's) ends the events and is not one of them. A chunk's ``data`` is the parsed
data, its ``event`` the event's name, and its ``text`` the data as sent (one line per event,
so the command line prints events as they arrive). The result's body is the list of events,
``[{"event": name or None, "data": data}, ...]``: nothing is lost, whatever API streamed.
A stream that ends without ``[DONE]`` is complete all the same (many event streams have no
end marker); one cut off mid-way is a ``StreamInterrupted``, as for every stream.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import bounded_json
from ..errors import InvalidResponse
from ..stream_events import StreamChunk, is_done

if TYPE_CHECKING:
    from ..transport.sse import SseEvent

MAX_EVENTS = 1_000_000
"""The most events one raw stream's body keeps (each one is in memory until the end)."""


class RawStreamAssembler:
    __slots__ = ("_done", "_events", "complete")

    def __init__(self) -> None:
        self.complete = True  # no end marker is required
        self._done = False
        self._events: list[dict[str, Any]] = []

    def add(self, event: SseEvent) -> StreamChunk | None:
        if self._done or is_done(event):
            self._done = True  # events after [DONE] are not part of the answer
            return None
        text = event.data
        data: Any
        try:
            data = bounded_json.loads(text)
        except ValueError:
            data = text  # not JSON (or nested too deep): kept as sent
        if len(self._events) >= MAX_EVENTS:
            raise InvalidResponse(
                f"raw.request: the stream sent more than {MAX_EVENTS} events; read them "
                "with stream() and keep what you need"
            )
        self._events.append({"event": event.event, "data": data})
        line = text if "\n" not in text else json.dumps(text)
        return StreamChunk(data, ("\n" if len(self._events) > 1 else "") + line, event.event)

    def body(self) -> list[dict[str, Any]]:
        return self._events
