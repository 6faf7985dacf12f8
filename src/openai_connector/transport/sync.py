"""The sync transport, on urllib3: a pooled manager per connector.

This module is imported only when a sync connector is made, so urllib3 is imported at its
top. Without a proxy, a request goes straight to the host's connection pool: the URL is
parsed once per distinct URL (``PoolManager.request`` parses it and builds a pool key on
every call, which costs more than the rest of the request).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import urllib3
import urllib3.exceptions as ue
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.util import parse_url

from ..connection import Network
from ..constants import POOL_SIZE
from ..errors import ConnectionFailed, RequestTimeout, TransportError
from .request import HttpRequest, HttpResponse
from .tls import ssl_context

_FAILURES = (ue.HTTPError, OSError)
"""What urllib3 raises when no (whole) response arrives."""
ROUTES_KEPT = 256
"""Distinct URLs whose (pool, request target) are remembered; then the memory starts over."""


def _transport_error(exc: BaseException, request: HttpRequest) -> TransportError:
    where = f"{request.method} {request.url.split('?', 1)[0]}"
    # NewConnectionError (refused, no such host) subclasses ConnectTimeoutError in urllib3 2
    timed_out = not isinstance(exc, ue.NewConnectionError) and (
        isinstance(exc, ue.TimeoutError | TimeoutError)
        or (
            isinstance(exc, ue.ProtocolError | ue.MaxRetryError)
            and isinstance(getattr(exc, "reason", None) or exc.__context__, TimeoutError)
        )
    )
    if timed_out:
        return RequestTimeout(
            f"{where} did not complete within {request.timeout:g} s",
            hint="raise the timeout or check the server",
        )
    reason = getattr(exc, "reason", None) or exc
    return ConnectionFailed(
        f"{where} failed: {type(reason).__name__}: {reason}",
        hint="check the URL, proxy and network settings, and that the server is running",
    )


def _proxy_auth(proxy: str) -> dict[str, str] | None:
    """Basic auth from the proxy URL's user info (urllib3 does not read it from the URL)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(proxy)
    if parts.username is None:
        return None
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return urllib3.make_headers(proxy_basic_auth=credentials)


class Urllib3Stream:
    __slots__ = ("_response", "headers", "request", "status")

    def __init__(self, response: urllib3.BaseHTTPResponse, request: HttpRequest) -> None:
        self._response = response
        self.request = request
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.headers.items()}

    def chunks(self) -> Iterator[bytes]:
        try:
            while True:
                chunk = self._response.read1(65536)
                if not chunk:
                    return
                yield chunk
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None

    def read(self) -> bytes:
        try:
            return self._response.read()
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None

    def close(self) -> None:
        self._response.release_conn()


class Urllib3Transport:
    """Sends :class:`HttpRequest` with a pooled urllib3 manager (created on first use)."""

    def __init__(self, network: Network | None = None, *, pool_size: int = POOL_SIZE) -> None:
        self.network = network or Network()
        self.pool_size = pool_size
        self._pool: urllib3.PoolManager | None = None
        self._timeouts: dict[tuple[float, float], Any] = {}
        self._routes: dict[str, tuple[HTTPConnectionPool, str]] = {}

    def _get_pool(self) -> urllib3.PoolManager:
        if self._pool is None:
            kwargs: dict[str, Any] = {"maxsize": self.pool_size, "retries": False}
            context = ssl_context(self.network)
            if context is not None:
                kwargs["ssl_context"] = context
            if self.network.proxy:
                self._pool = urllib3.ProxyManager(
                    self.network.proxy, proxy_headers=_proxy_auth(self.network.proxy), **kwargs
                )
            else:
                self._pool = urllib3.PoolManager(**kwargs)
        return self._pool

    def _timeout(self, request: HttpRequest) -> Any:
        key = (request.timeout, request.connect_timeout)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = urllib3.Timeout(connect=key[1], read=key[0])
            self._timeouts[key] = timeout
        return timeout

    def _route(self, url: str) -> tuple[HTTPConnectionPool, str]:
        """The host's connection pool and the request target, as PoolManager.urlopen finds
        them (a pool the manager has since closed is looked up again)."""
        route = self._routes.get(url)
        if route is None or route[0].pool is None:
            parts = parse_url(url)
            pool = self._get_pool().connection_from_host(
                parts.host, port=parts.port, scheme=parts.scheme
            )
            route = (pool, parts.request_uri)
            if len(self._routes) >= ROUTES_KEPT:
                self._routes.clear()
            self._routes[url] = route
        return route

    def _open(self, request: HttpRequest, preload: bool) -> urllib3.BaseHTTPResponse:
        try:
            if self.network.proxy:  # the proxy manager decides how each URL is sent
                return self._get_pool().request(
                    request.method,
                    request.url,
                    body=request.content,
                    headers=request.headers,
                    timeout=self._timeout(request),
                    preload_content=preload,
                    redirect=False,
                    retries=False,
                )
            pool, target = self._route(request.url)
            return pool.urlopen(
                request.method,
                target,
                body=request.content,
                headers=request.headers,
                timeout=self._timeout(request),
                preload_content=preload,
                redirect=False,
                retries=False,
                assert_same_host=False,
            )
        except _FAILURES as exc:
            raise _transport_error(exc, request) from None

    def send(self, request: HttpRequest) -> HttpResponse:
        response = self._open(request, preload=True)
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpResponse(response.status, headers, response.data)

    def open_stream(self, request: HttpRequest) -> Urllib3Stream:
        return Urllib3Stream(self._open(request, preload=False), request)

    def close(self) -> None:
        self._routes.clear()
        if self._pool is not None:
            self._pool.clear()
            self._pool = None
