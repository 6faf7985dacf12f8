"""The async transport, on aiohttp: one pooled session per connector.

This module is imported only when an async connector is made, so aiohttp is imported at
its top (``import openai_connector`` stays cheap). ``send`` is the hot path of every
call: one coroutine, no per-call imports or lookups beyond what aiohttp itself needs.

aiohttp's total timeout bounds each attempt, body included. Bodies are decoded here, not by
aiohttp, and bounded by ``network.max_response_bytes`` (:mod:`.body`); a stream left before
its end closes its connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import aiohttp

from ..connection import Network
from ..constants import POOL_SIZE
from ..errors import ConnectionFailed, RequestTimeout, TransportError
from .body import ACCEPT_ENCODING, DECODED, BodyDecoder, read_at_once, where
from .proxy import ProxyPlan
from .request import HttpRequest, HttpResponse
from .tls import ssl_context

_FAILURES = (TimeoutError, aiohttp.ClientError, OSError)
"""What aiohttp raises when no (whole) response arrives."""


def _transport_error(exc: BaseException, request: HttpRequest) -> TransportError:
    place = where(request.method, request.url)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return RequestTimeout(
            f"{place} did not complete within {request.timeout:g} s",
            hint="raise the timeout or check the server",
        )
    return ConnectionFailed(
        f"{place} failed: {type(exc).__name__}: {exc}",
        hint="check the URL, proxy and network settings, and that the server is running",
    )


async def _read_all(
    response: aiohttp.ClientResponse, headers: dict[str, str], request: HttpRequest, limit: int
) -> bytes:
    """The whole (decoded) body, in one read when its length is known and allowed, else in
    pieces counted against ``limit``."""
    if read_at_once(headers, limit):
        return await response.read()
    place = where(request.method, request.url)
    decoder = BodyDecoder(headers.get("content-encoding"), limit, place)
    parts: list[bytes] = []
    async for chunk in response.content.iter_chunked(65536):
        parts.extend(decoder.decode(chunk))
    parts.extend(decoder.finish())
    return b"".join(parts)


class AiohttpStream:
    __slots__ = ("_done", "_response", "headers", "limit", "request", "status")

    def __init__(self, response: aiohttp.ClientResponse, request: HttpRequest, limit: int) -> None:
        self._response = response
        self._done = False
        self.request = request
        self.limit = limit
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.headers.items()}

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, decoded (each piece at most 64 KiB when inflated)."""
        encoding = self.headers.get("content-encoding")
        try:
            if encoding is None or encoding.strip().lower() not in DECODED:
                async for chunk in self._response.content.iter_any():
                    yield chunk
            else:
                decoder = BodyDecoder(encoding, None, where(self.request.method, self.request.url))
                async for chunk in self._response.content.iter_any():
                    for piece in decoder.decode(chunk):
                        yield piece
                for piece in decoder.finish():
                    yield piece
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None
        self._done = True

    async def read(self) -> bytes:
        try:
            content = await _read_all(self._response, self.headers, self.request, self.limit)
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None
        self._done = True
        return content

    async def close(self) -> None:
        """Give the connection back; one whose body was not read to its end is closed."""
        if self._done:
            self._response.release()
        else:
            self._response.close()


class AiohttpTransport:
    """Sends :class:`HttpRequest` with a shared aiohttp session (created on first use)."""

    def __init__(self, network: Network | None = None, *, pool_size: int = POOL_SIZE) -> None:
        self.network = network or Network()
        self.pool_size = pool_size
        self.limit = self.network.max_response_bytes
        self._proxies = ProxyPlan(self.network)
        self.proxy_passwords = self._proxies.passwords
        """Passwords of proxies taken from the environment (the connector redacts them)."""
        self._session: aiohttp.ClientSession | None = None
        self._loading: asyncio.Future[ssl.SSLContext | None] | None = None
        """The SSL context being loaded for the session: the calls that find no session
        wait for this one load (64 first calls made 64 contexts, 40 ms of CPU each)."""
        self._timeouts: dict[tuple[float, float], aiohttp.ClientTimeout] = {}

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            loading = self._loading
            if loading is None or loading.get_loop() is not asyncio.get_running_loop():
                # loading CA certificates reads files: in a thread, not on the event loop
                loading = self._loading = asyncio.ensure_future(
                    asyncio.to_thread(ssl_context, self.network)
                )
                loading.add_done_callback(self._loaded)
            context = await asyncio.shield(loading)
            if self._session is not None and not self._session.closed:
                return self._session  # another call made it meanwhile
            connector = aiohttp.TCPConnector(
                limit=self.pool_size, ssl=context if context is not None else True
            )
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False, auto_decompress=False
            )
        return self._session

    def _loaded(self, loading: asyncio.Future[ssl.SSLContext | None]) -> None:
        if self._loading is loading:
            self._loading = None  # the next session (after a close) loads it again
        if not loading.cancelled():
            loading.exception()  # retrieved: the waiters raise it

    def _timeout(self, request: HttpRequest) -> aiohttp.ClientTimeout:
        key = (request.timeout, request.connect_timeout)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=key[0], connect=key[1])
            self._timeouts[key] = timeout
        return timeout

    def _proxy(self, request: HttpRequest) -> str | None:
        proxies = self._proxies
        return proxies.proxy_for(request.url) if proxies.varies else proxies.fixed

    async def _open(self, request: HttpRequest) -> aiohttp.ClientResponse:
        headers = request.headers
        if "accept-encoding" not in headers:
            headers["accept-encoding"] = ACCEPT_ENCODING
        try:
            session = self._session
            if session is None or session.closed:
                session = await self._get_session()
            return await session.request(
                request.method,
                request.url,
                data=request.content,
                headers=headers,
                timeout=self._timeout(request),
                proxy=self._proxy(request),
                allow_redirects=False,
            )
        except _FAILURES as exc:
            raise _transport_error(exc, request) from None

    async def send(self, request: HttpRequest) -> HttpResponse:
        # _open inlined: one coroutine less on every call
        session = self._session
        if session is None or session.closed:
            session = await self._get_session()
        timeout = self._timeouts.get((request.timeout, request.connect_timeout))
        headers = request.headers
        if "accept-encoding" not in headers:
            headers["accept-encoding"] = ACCEPT_ENCODING
        proxies = self._proxies
        try:
            response = await session.request(
                request.method,
                request.url,
                data=request.content,
                headers=headers,
                timeout=timeout or self._timeout(request),
                proxy=proxies.proxy_for(request.url) if proxies.varies else proxies.fixed,
                allow_redirects=False,
            )
            answer = {k.lower(): v for k, v in response.headers.items()}
            try:
                if read_at_once(answer, self.limit):
                    content = await response.read()
                else:
                    content = await _read_all(response, answer, request, self.limit)
            except BaseException:
                response.close()
                raise
            response.release()
        except _FAILURES as exc:
            raise _transport_error(exc, request) from None
        return HttpResponse(response.status, answer, content)

    async def open_stream(self, request: HttpRequest) -> AiohttpStream:
        return AiohttpStream(await self._open(request), request, self.limit)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
