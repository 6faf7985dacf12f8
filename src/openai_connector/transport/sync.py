"""The sync transport, on urllib3: a pooled manager per connector.

This module is imported only when a sync connector is made, so urllib3 is imported at its
top. Without a proxy, a request goes straight to the host's connection pool: the URL is
parsed once per distinct URL (``PoolManager.request`` parses it and builds a pool key on
every call, which costs more than the rest of the request).

Each response ends by its attempt's deadline however slowly the server sends
(:mod:`.deadline`); bodies are decoded here and bounded by ``network.max_response_bytes``
(:mod:`.body`). A stream left before its end closes its connection rather than giving a
connection with unread data back to the pool.
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
from .body import ACCEPT_ENCODING, DECODED, BodyDecoder, read_at_once, where
from .deadline import POOL_CLASSES, monotonic, set_deadline
from .proxy import ProxyPlan
from .request import HttpRequest, HttpResponse
from .tls import ssl_context

_FAILURES = (ue.HTTPError, OSError)
"""What urllib3 raises when no (whole) response arrives."""
ROUTES_KEPT = 256
"""Distinct URLs whose (pool, request target) are remembered; then the memory starts over."""


def _transport_error(exc: BaseException, request: HttpRequest) -> TransportError:
    place = where(request.method, request.url)
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
            f"{place} did not complete within {request.timeout:g} s",
            hint="raise the timeout or check the server",
        )
    reason = getattr(exc, "reason", None) or exc
    return ConnectionFailed(
        f"{place} failed: {type(reason).__name__}: {reason}",
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


def _read_all(
    response: urllib3.BaseHTTPResponse, headers: dict[str, str], request: HttpRequest, limit: int
) -> bytes:
    """The whole (decoded) body, in one read when its length is known and allowed, else in
    pieces counted against ``limit``. Transport failures are raised as urllib3's."""
    if read_at_once(headers, limit):
        return response.read(decode_content=False)
    place = where(request.method, request.url)
    decoder = BodyDecoder(headers.get("content-encoding"), limit, place)
    parts: list[bytes] = []
    while True:
        chunk = response.read(65536, decode_content=False)
        if not chunk:
            break
        parts.extend(decoder.decode(chunk))
    parts.extend(decoder.finish())
    return b"".join(parts)


class Urllib3Stream:
    __slots__ = ("_done", "_response", "headers", "limit", "request", "status")

    def __init__(
        self, response: urllib3.BaseHTTPResponse, request: HttpRequest, limit: int
    ) -> None:
        self._response = response
        self._done = False
        self.request = request
        self.limit = limit
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.headers.items()}

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives, decoded (each piece at most 64 KiB when inflated)."""
        read1 = self._response.read1
        encoding = self.headers.get("content-encoding")
        try:
            if encoding is None or encoding.strip().lower() not in DECODED:
                while chunk := read1(65536, decode_content=False):
                    yield chunk
            else:
                decoder = BodyDecoder(encoding, None, where(self.request.method, self.request.url))
                while chunk := read1(65536, decode_content=False):
                    yield from decoder.decode(chunk)
                yield from decoder.finish()
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None
        self._done = True

    def read(self) -> bytes:
        try:
            content = _read_all(self._response, self.headers, self.request, self.limit)
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None
        self._done = True
        return content

    def close(self) -> None:
        """Give the connection back; one whose body was not read to its end is closed."""
        if not self._done:
            self._response.close()
        self._response.release_conn()


class Urllib3Transport:
    """Sends :class:`HttpRequest` with pooled urllib3 managers (created on first use)."""

    def __init__(self, network: Network | None = None, *, pool_size: int = POOL_SIZE) -> None:
        self.network = network or Network()
        self.pool_size = pool_size
        self.limit = self.network.max_response_bytes
        self._proxies = ProxyPlan(self.network)
        self.proxy_passwords = self._proxies.passwords
        """Passwords of proxies taken from the environment (the connector redacts them)."""
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        """The direct manager (key None) and one per proxy URL."""
        self._timeouts: dict[tuple[float, float], Any] = {}
        self._routes: dict[str, tuple[HTTPConnectionPool | None, str]] = {}
        self._tls_loaded = False
        """Whether the direct manager has its TLS settings (read at the first https URL)."""

    def _manager(self, proxy: str | None) -> urllib3.PoolManager:
        manager = self._managers.get(proxy)
        if manager is None:
            kwargs: dict[str, Any] = {"maxsize": self.pool_size, "retries": False}
            if proxy:  # the direct manager gets its TLS settings with its first https pool
                context = ssl_context(self.network)
                if context is not None:
                    kwargs["ssl_context"] = context
                manager = urllib3.ProxyManager(proxy, proxy_headers=_proxy_auth(proxy), **kwargs)
            else:
                manager = urllib3.PoolManager(**kwargs)
            manager.pool_classes_by_scheme = POOL_CLASSES
            self._managers[proxy] = manager
        return manager

    def _timeout(self, request: HttpRequest) -> Any:
        key = (request.timeout, request.connect_timeout)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = urllib3.Timeout(connect=key[1], read=key[0])
            self._timeouts[key] = timeout
        return timeout

    def _route(self, url: str) -> tuple[HTTPConnectionPool | None, str]:
        """The host's connection pool and the request target, as PoolManager.urlopen finds
        them (a pool the manager has since closed is looked up again); for a URL sent
        through a proxy, None and the proxy's URL."""
        route = self._routes.get(url)
        if route is None or (route[0] is not None and route[0].pool is None):
            proxy = self._proxies.proxy_for(url)
            if proxy is None:
                parts = parse_url(url)
                manager = self._manager(None)
                if parts.scheme == "https" and not self._tls_loaded:
                    # loading CA certificates takes tens of ms: only for an https URL
                    context = ssl_context(self.network)
                    if context is not None:
                        manager.connection_pool_kw["ssl_context"] = context
                    self._tls_loaded = True
                pool = manager.connection_from_host(
                    parts.host, port=parts.port, scheme=parts.scheme
                )
                route = (pool, parts.request_uri)
            else:
                route = (None, proxy)
            if len(self._routes) >= ROUTES_KEPT:
                self._routes.clear()
            self._routes[url] = route
        return route

    def _open(self, request: HttpRequest) -> urllib3.BaseHTTPResponse:
        headers = request.headers
        if "accept-encoding" not in headers:
            headers["accept-encoding"] = ACCEPT_ENCODING
        try:
            pool, target = self._route(request.url)
            set_deadline(monotonic() + request.timeout)
            if pool is None:  # the proxy manager decides how the URL is sent
                return self._manager(target).urlopen(
                    request.method,
                    request.url,
                    body=request.content,
                    headers=headers,
                    timeout=self._timeout(request),
                    preload_content=False,
                    decode_content=False,
                    redirect=False,
                    retries=False,
                )
            return pool.urlopen(
                request.method,
                target,
                body=request.content,
                headers=headers,
                timeout=self._timeout(request),
                preload_content=False,
                decode_content=False,
                redirect=False,
                retries=False,
                assert_same_host=False,
            )
        except _FAILURES as exc:
            raise _transport_error(exc, request) from None

    def send(self, request: HttpRequest) -> HttpResponse:
        response = self._open(request)
        headers = {k.lower(): v for k, v in response.headers.items()}
        try:
            content = _read_all(response, headers, request, self.limit)
        except BaseException as exc:
            response.close()
            response.release_conn()
            if isinstance(exc, _FAILURES):
                raise _transport_error(exc, request) from None
            raise
        response.release_conn()
        return HttpResponse(response.status, headers, content)

    def open_stream(self, request: HttpRequest) -> Urllib3Stream:
        return Urllib3Stream(self._open(request), request, self.limit)

    def close(self) -> None:
        self._routes.clear()
        for manager in self._managers.values():
            manager.clear()
        self._managers.clear()
        self._tls_loaded = False
