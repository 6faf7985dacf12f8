"""The request and response values that cross the transport seam."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(slots=True)
class HttpRequest:
    method: str
    url: str
    """Full URL, query string included."""
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
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
