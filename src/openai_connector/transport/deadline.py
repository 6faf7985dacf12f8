"""urllib3 connections whose responses end at a deadline, however slowly a server sends.

urllib3's read timeout bounds each socket read, so a server that sends a byte now and then
keeps a call alive for ever. Here each read of a response (status line, headers, body) is
given only the time left until the attempt's deadline, and a read after it fails at once
with :class:`TimeoutError`, which urllib3 reports as a read timeout.

The deadline is set by the transport, in the calling thread, just before it sends a
request (:func:`set_deadline`); the response captures it when its status line is read,
so a stream read later, from any thread, still ends at its attempt's deadline.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_pending = threading.local()
monotonic = time.monotonic


def set_deadline(at: float) -> None:
    """The ``time.monotonic()`` by which the next response read in this thread must end."""
    _pending.at = at


class _DeadlineIO(io.RawIOBase):
    """A socket's reader that shortens each read to the time left, and refuses to wait
    past the deadline."""

    def __init__(self, sock: socket.socket, at: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._at = at

    def readinto(self, buffer: Any) -> int | None:
        left = self._at - monotonic()
        if left <= 0:
            raise TimeoutError("the response did not arrive within the timeout")
        self._sock.settimeout(left)
        return self._raw.readinto(buffer)

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What http.client's response is built on: only ``makefile`` is asked of it."""

    __slots__ = ("_at", "_sock")

    def __init__(self, sock: socket.socket, at: float) -> None:
        self._sock = sock
        self._at = at

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineIO(self._sock, self._at))


class DeadlineResponse(http.client.HTTPResponse):
    def __init__(
        self,
        sock: socket.socket,
        debuglevel: int = 0,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        at: float | None = getattr(_pending, "at", None)
        reader: Any = sock if at is None else _DeadlineSocket(sock, at)
        super().__init__(reader, debuglevel, method, url)


class DeadlineHTTPConnection(HTTPConnection):
    response_class = DeadlineResponse


class DeadlineHTTPSConnection(HTTPSConnection):
    response_class = DeadlineResponse


class DeadlineHTTPPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": DeadlineHTTPPool,
    "https": DeadlineHTTPSPool,
}
"""For ``PoolManager.pool_classes_by_scheme``."""
