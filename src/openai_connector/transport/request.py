"""The request and response values that cross the transport seam."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol


class StreamedBody:
    """A request body sent in pieces (a large file upload) instead of held in memory.

    Its ``length`` is known (the request says it in ``content-length``), and each iteration,
    sync or async, starts again from the first byte, so a retry sends it again. Both
    transports take it as they take bytes: urllib3 iterates it, aiohttp async-iterates it.
    """

    __slots__ = ("_pieces", "failure", "length")

    def __init__(self, pieces: Callable[[], Iterator[bytes]], length: int) -> None:
        self._pieces = pieces
        self.length = length
        self.failure: Exception | None = None
        """What stopped the last sending (a file gone): an HTTP client may wrap it."""

    def __iter__(self) -> Iterator[bytes]:
        self.failure = None
        try:
            yield from self._pieces()
        except Exception as exc:
            self.failure = exc
            raise

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


@dataclass(slots=True)
class HttpRequest:
    method: str
    url: str
    """Full URL, query string included."""
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | StreamedBody | None = None
    timeout: float = 600.0
    """Seconds for this attempt, first byte sent to last byte read."""
    connect_timeout: float = 10.0
    debug: bool = False
    """Log this request and its response even when the connector is not in debug mode."""


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    """Lower-cased names."""
    content: bytes


class AsyncStream(Protocol):
    status: int
    headers: dict[str, str]

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def read(self) -> bytes: ...

    async def close(self) -> None: ...


class SyncStream(Protocol):
    status: int
    headers: dict[str, str]

    def chunks(self) -> Iterator[bytes]: ...

    def read(self) -> bytes: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    async def send(self, request: HttpRequest) -> HttpResponse: ...

    async def open_stream(self, request: HttpRequest) -> AsyncStream: ...

    async def aclose(self) -> None: ...


class SyncTransport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse: ...

    def open_stream(self, request: HttpRequest) -> SyncStream: ...

    def close(self) -> None: ...
