"""Incremental server-sent-events decoding (the parts of the WHATWG rules OpenAI uses).

A server sizes nothing here: a line or an event longer than :data:`MAX_EVENT_BYTES` (a
server that never sends a newline, say) stops the stream with :class:`InvalidResponse`
instead of filling memory.
"""

from __future__ import annotations

from ..errors import InvalidResponse

MAX_EVENT_BYTES = 32 * 1024 * 1024
"""The most one line or one event may hold (32 MiB: far beyond any event OpenAI sends)."""
_BOM = b"\xef\xbb\xbf"


class SseEvent:
    """One event: its ``data`` lines joined, and its ``event`` name if it had one."""

    __slots__ = ("data", "event")

    def __init__(self, data: str, event: str | None = None) -> None:
        self.data = data
        self.event = event

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SseEvent):
            return NotImplemented
        return self.data == other.data and self.event == other.event

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"SseEvent(data={self.data!r}, event={self.event!r})"


def _too_long(what: str) -> InvalidResponse:
    return InvalidResponse(
        f"the stream sent {what} longer than {MAX_EVENT_BYTES // (1024 * 1024)} MiB; "
        "it is not a server-sent event stream the connector can read"
    )


class SseDecoder:
    """Feed bytes as they arrive; get whole events back."""

    __slots__ = ("_buffer", "_data", "_event", "_pending", "_pending_size", "_size", "_started")

    def __init__(self) -> None:
        self._buffer = b""
        self._pending: list[bytes] = []  # pieces of a line that has not ended yet
        self._pending_size = 0
        self._data: list[str] = []
        self._size = 0  # bytes of data in the event being read
        self._event: str | None = None
        self._started = False  # past a possible byte order mark

    def feed(self, chunk: bytes) -> list[SseEvent]:
        if not self._started:
            chunk = self._skip_bom(chunk)
            if not self._started:
                return []
        if b"\n" not in chunk and b"\r" not in chunk:
            # no line ends here: keep the piece without copying the buffer again
            self._pending_size += len(chunk)
            if self._pending_size + len(self._buffer) > MAX_EVENT_BYTES:
                raise _too_long("a line")
            self._pending.append(chunk)
            return []
        if self._pending:
            buffer = b"".join([self._buffer, *self._pending, chunk])
            self._pending = []
            self._pending_size = 0
        else:
            buffer = self._buffer + chunk if self._buffer else chunk
        held = b""
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):  # its "\n" may be in the next chunk
                buffer, held = buffer[:-1], b"\r"
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop() + held
        if len(self._buffer) > MAX_EVENT_BYTES:
            raise _too_long("a line")
        events: list[SseEvent] = []
        if len(lines) % 2 == 0 and not self._data and self._event is None and not any(lines[1::2]):
            # the usual shape: each event one line, then a blank line (which ends it)
            for line in lines[0::2]:
                if line[:6] == b"data: " and len(line) <= MAX_EVENT_BYTES:
                    events.append(SseEvent(line[6:].decode("utf-8", "replace")))
                else:
                    self._lines((line, b""), events)
        else:
            self._lines(lines, events)
        return events

    def _lines(self, lines: list[bytes] | tuple[bytes, ...], events: list[SseEvent]) -> None:
        """Read whole lines (a blank one ends an event), adding the events they end."""
        for line in lines:
            if not line:
                if self._data:
                    events.append(SseEvent("\n".join(self._data), self._event))
                self._data = []
                self._size = 0
                self._event = None
            elif line.startswith(b"data:"):
                value = line[5:]
                self._size += len(value)
                if self._size > MAX_EVENT_BYTES:
                    raise _too_long("an event")
                self._data.append(
                    (value[1:] if value[:1] == b" " else value).decode("utf-8", "replace")
                )
            elif line.startswith(b"event:"):
                self._event = line[6:].strip().decode("utf-8", "replace")
            # comments (":"), "id:" and "retry:" lines are not used by the providers

    def _skip_bom(self, chunk: bytes) -> bytes:
        """The stream without a UTF-8 byte order mark at its very start (it may come split)."""
        head = self._buffer + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._buffer = head  # too short to tell yet
            return b""
        self._started = True
        self._buffer = b""
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def flush(self) -> list[SseEvent]:
        """Whatever the stream ended with, as if a blank line had followed it."""
        if not self._started:  # only part of a byte order mark (or nothing) arrived
            self._started = True
            self._buffer = b""
        events = self.feed(b"\n\n") if self._buffer or self._pending or self._data else []
        self._buffer = b""
        return events
