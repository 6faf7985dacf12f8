"""A raw-socket HTTP/1.1 server on 127.0.0.1 for answers aiohttp will not give: bytes
dripped one at a time, streams that stop mid-way, bodies with no length.

Each request is answered by the test's ``answer(sock, request)`` function, which writes
whatever bytes it likes; it returns True to keep the connection open for another request.
Every loop here is bounded in time, and :meth:`RawServer.stop` ends them all.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
DRIP_LIMIT = 30.0
"""Longest any answer keeps sending, in seconds."""


@dataclass
class RawRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int
    """Which accepted connection (1, 2, ...) carried it."""


@dataclass
class RawServer:
    answer: Callable[[socket.socket, RawRequest], bool]
    requests: list[RawRequest] = field(default_factory=list)
    closed_early: threading.Event = field(default_factory=threading.Event)
    """Set when the client closed a connection while an answer was still being written."""
    stopping: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted += 1
            self._sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, self._accepted), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        sock.settimeout(DRIP_LIMIT)
        reader = sock.makefile("rb")
        try:
            while not self.stopping.is_set():
                line = reader.readline(65536)
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := reader.readline(65536)) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0")))
                request = RawRequest(method, path, headers, body, number)
                self.requests.append(request)
                if not self.answer(sock, request):
                    return
        except (ConnectionError, TimeoutError):
            self.closed_early.set()
        except (OSError, ValueError):
            return
        finally:
            with contextlib.suppress(OSError):
                reader.close()
                sock.close()

    def drip(self, sock: socket.socket, data: Iterator[bytes], every: float = 0.1) -> None:
        """Send ``data`` a piece at a time, ``every`` seconds apart, for at most DRIP_LIMIT."""
        ends = time.monotonic() + DRIP_LIMIT
        for piece in data:
            if self.stopping.is_set() or time.monotonic() > ends:
                return
            sock.sendall(piece)
            time.sleep(every)

    def stop(self) -> None:
        self.stopping.set()
        self._listener.close()
        self._thread.join(5)
        for sock in self._sockets:  # a handler waiting for a request returns at once
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)


def forever(piece: T) -> Iterator[T]:
    """The same piece again and again (the server's time limit ends it)."""
    while True:
        yield piece


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    """One piece of a chunked body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"
