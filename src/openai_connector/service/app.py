"""The application factory: ``create_app(settings)`` wires the store, routes, error shape,
body limits and offline docs together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .. import __version__
from ..store import DuplicateName, NotInStore, PriceTable, Store, StoreError
from .access_log import AccessLog
from .body_limit import BodyLimit
from .connector_cache import ConnectorCache
from .console_files import router as console_router
from .console_files import schema_router
from .loop_reads import LoopReads
from .metrics import InFlight, ServiceMetrics
from .offline_docs import add_offline_docs
from .openai_errors import is_gateway, openai_error
from .problems import ApiError, error_body, field_path, status_of
from .routes import (
    connectors,
    execute,
    gateway,
    health,
    keys,
    kibana,
    metrics,
    operations,
    secrets,
    usage,
    usage_summary,
)
from .run_path import RateLimiter
from .settings import ServiceSettings
from .usage_writer import UsageWriter
from .workspace import Downloads

if TYPE_CHECKING:
    from starlette.responses import Response

log = logging.getLogger("openai_connector.service")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def _answer(
    request: Request, code: str, message: str, field: str | None = None, **extra: Any
) -> JSONResponse:
    if is_gateway(request.url.path):  # the /v1 gateway answers in OpenAI's shape
        return openai_error(code, message, field, headers=extra.get("headers"))
    return JSONResponse(error_body(code, message, field), status_code=status_of(code), **extra)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _answer(request, exc.code, exc.message, exc.field, headers=exc.headers)


async def _store_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StoreError)
    code = {DuplicateName: "duplicate_name", NotInStore: "not_found"}.get(type(exc), exc.code)
    return _answer(request, code, exc.message, exc.field)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return _answer(request, "invalid_json", "the body is not valid JSON", "body")
    field = field_path(tuple(first.get("loc", ()))) or "body"
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return _answer(request, "invalid_input", f"{field}: {message}", field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "bad_request")
    message = exc.detail if isinstance(exc.detail, str) else "refused"
    if is_gateway(request.url.path):
        return openai_error(code, message, status=exc.status_code, headers=exc.headers)
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return _answer(request, "internal_error", "the service failed; see its log")


def create_app(settings: ServiceSettings | None = None, *, store: Store | None = None) -> FastAPI:
    """The service's application; opens (and migrates) the database unless ``store`` is given."""
    chosen = settings or ServiceSettings()
    if store is None:
        store = Store.open(chosen.database_url, chosen.data_dir, chosen.environ)
    if chosen.preconfigured is not None:
        from ..store.database import held_lock
        from .preconfigured import PRECONFIGURED_LOCK, load_preconfigured

        with held_lock(store.engine, PRECONFIGURED_LOCK):  # instances starting together
            load_preconfigured(store, chosen.preconfigured)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.connector_cache.bind(asyncio.get_running_loop())
        yield
        # Graceful shutdown: runs and streams in flight finish before the process exits.
        if not await app.state.in_flight.wait_idle(chosen.shutdown_grace):
            log.warning(
                "shutdown: %d runs still in flight after %.0f s",
                app.state.in_flight.count,
                chosen.shutdown_grace,
            )
        await asyncio.to_thread(app.state.usage_writer.close)  # every queued row written
        await app.state.connector_cache.aclose()
        app.state.loop_reads.close()

    app = FastAPI(
        title="openai-connector",
        version=__version__,
        description="Connector registry, run API, OpenAI-compatible gateway, keys and usage.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = chosen
    app.state.prices = PriceTable.load(chosen.price_file)
    app.state.metrics = ServiceMetrics()
    app.state.in_flight = InFlight(app.state.metrics)
    app.state.usage_writer = UsageWriter(store, app.state.metrics.usage_rows_lost.inc)
    app.state.limiter = RateLimiter(store.rates)
    app.state.loop_reads = LoopReads(store)
    app.state.connector_cache = ConnectorCache(store, app.state.loop_reads)
    app.state.downloads = Downloads(store.data_dir / "downloads", ttl=chosen.download_ttl)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    for module in (
        gateway,  # first: routes are tried in order
        health,
        connectors,
        execute,
        kibana,
        keys,
        secrets,
        operations,
        usage_summary,
        usage,
        metrics,
    ):
        app.include_router(module.router)
    # tried first: the busiest routes, without FastAPI's dependency solving
    app.router.routes[0:0] = [*gateway.hot_routes(), execute.hot_route()]
    app.include_router(schema_router)
    app.include_router(console_router)
    add_offline_docs(app)
    app.add_middleware(
        BodyLimit,
        max_json_bytes=chosen.max_json_bytes,
        max_upload_bytes=chosen.max_upload_bytes,
    )
    app.add_middleware(AccessLog, metrics=app.state.metrics)
    return app
