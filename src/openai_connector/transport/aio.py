"""The async transport, on aiohttp: one pooled session per connector.

This module is imported only when an async connector is made, so aiohttp is imported at
its top (``import openai_connector`` stays cheap). ``send`` is the hot path of every
call: one coroutine, no per-call imports or lookups beyond what aiohttp itself needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp

from ..connection import Network
from ..constants import POOL_SIZE
from ..errors import ConnectionFailed, RequestTimeout, TransportError
from .request import HttpRequest, HttpResponse
from .tls import ssl_context

_FAILURES = (TimeoutError, aiohttp.ClientError, OSError)
"""What aiohttp raises when no (whole) response arrives."""


def _transport_error(exc: BaseException, request: HttpRequest) -> TransportError:
    where = f"{request.method} {request.url.split('?', 1)[0]}"
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return RequestTimeout(
            f"{where} did not complete within {request.timeout:g} s",
            hint="raise the timeout or check the server",
        )
    return ConnectionFailed(
        f"{where} failed: {type(exc).__name__}: {exc}",
        hint="check the URL, proxy and network settings, and that the server is running",
    )


class AiohttpStream:
    __slots__ = ("_response", "headers", "request", "status")

    def __init__(self, response: aiohttp.ClientResponse, request: HttpRequest) -> None:
        self._response = response
        self.request = request
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.headers.items()}

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except _FAILURES as exc:
            raise _transport_error(exc, self.request) from None

    async def close(self) -> None:
        self._response.release()


class AiohttpTransport:
    """Sends :class:`HttpRequest` with a shared aiohttp session (created on first use)."""

    def __init__(self, network: Network | None = None, *, pool_size: int = POOL_SIZE) -> None:
        self.network = network or Network()
        self.pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float, float], aiohttp.ClientTimeout] = {}

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            context = ssl_context(self.network)
            connector = aiohttp.TCPConnector(
                limit=self.pool_size, ssl=context if context is not None else True
            )
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False, auto_decompress=True
            )
        return self._session

    def _timeout(self, request: HttpRequest) -> aiohttp.ClientTimeout:
        key = (request.timeout, request.connect_timeout)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=key[0], connect=key[1])
            self._timeouts[key] = timeout
        return timeout

    async def _open(self, request: HttpRequest) -> aiohttp.ClientResponse:
        try:
            return await self._get_session().request(
                request.method,
                request.url,
                data=request.content,
                headers=request.headers,
                timeout=self._timeout(request),
                proxy=self.network.proxy,
                allow_redirects=False,
            )
        except _FAILURES as exc:
            raise _transport_error(exc, request) from None

    async def send(self, request: HttpRequest) -> HttpResponse:
        # _open inlined: one coroutine less on every call
        session = self._session
        if session is None or session.closed:
            session = self._get_session()
        timeout = self._timeouts.get((request.timeout, request.connect_timeout))
        try:
            response = await session.request(
                request.method,
                request.url,
                data=request.content,
                headers=request.headers,
                timeout=timeout or self._timeout(request),
                proxy=self.network.proxy,
                allow_redirects=False,
            )
            try:
                content = await response.read()
            finally:
                response.release()
        except _FAILURES as exc:
            raise _transport_error(exc, request) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpResponse(response.status, headers, content)

    async def open_stream(self, request: HttpRequest) -> AiohttpStream:
        return AiohttpStream(await self._open(request), request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
