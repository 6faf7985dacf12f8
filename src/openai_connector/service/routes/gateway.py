"""The OpenAI-compatible gateway: ``/v1/...`` routes that OpenAI's SDKs and tools call with a
service key as their API key (operator role).

The connector is the one named before a slash in ``model`` (``support/gpt-4o-mini``), else
the key's default connector. The request body is the operation's input (the library's own
operations run it, under the strict policy, with the connector's checks, rate and budget);
the answer is the provider's body as it came. Errors are in OpenAI's shape
(:mod:`..openai_errors`); a provider's own error comes back with its status and envelope.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.routing import Route

from ...errors import APIStatusError, ConnectorError, InvalidInput
from ...operations import registry
from ...store import ConnectorRecord, KeyRecord
from ..auth import Operator, key_of_role, store_of
from ..openai_errors import openai_error
from ..run_path import admit_run
from ..runs import Run, jsonable
from ..workspace import Workspace

router = APIRouter(prefix="/v1", tags=["gateway"])

DROPPED = ("stream_options",)
"""Fields the library sets itself (a streamed call always asks for its usage)."""


def pick_connector(request: Request, key: KeyRecord, model: Any) -> tuple[ConnectorRecord, Any]:
    """The connector named in ``model`` (``name/model``) or the key's default; the model the
    provider gets."""
    cache = request.app.state.connector_cache
    if isinstance(model, str) and "/" in model:
        name, rest = model.split("/", 1)
        record = cache.record(name)
        if record is not None:
            return record, rest or None
    if key.default_connector:
        record = cache.record(key.default_connector)
        if record is not None:
            return record, model
    from ..problems import ApiError

    raise ApiError(
        "unknown_connector",
        f"the model {model!r} names no connector and the key {key.name!r} has no default "
        "connector: give the model as 'connector-name/model'",
        field="model",
    )


def _failure(exc: ConnectorError) -> Response:
    if isinstance(exc, APIStatusError):
        body = exc.result.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return JSONResponse(jsonable(body), status_code=exc.status)
        return openai_error(exc.code, str(exc), status=exc.status)
    if isinstance(exc, InvalidInput):
        return openai_error("invalid_input", str(exc), exc.field, status=400)
    status = (
        504
        if exc.code == "timeout"
        else 502
        if exc.source == "upstream"
        or exc.code in ("connection_error", "invalid_response", "stream_interrupted")
        else 400
    )
    return openai_error(exc.code, str(exc), status=status)


async def _json_body(request: Request) -> dict[str, Any]:
    from ..problems import ApiError

    try:
        body = json.loads(await request.body())
    except ValueError:
        raise ApiError("invalid_json", "the body is not valid JSON", field="body") from None
    if not isinstance(body, dict):
        raise ApiError("invalid_input", "the body must be a JSON object", field="body")
    return body


async def _run(
    request: Request,
    key: KeyRecord,
    operation: str,
    body: dict[str, Any],
    workspace: Workspace | None = None,
) -> Response:
    store = store_of(request)
    record, model = pick_connector(request, key, body.get("model"))
    params = {k: v for k, v in body.items() if k not in DROPPED}
    if model is None:
        params.pop("model", None)
    else:
        params["model"] = model
    streamed = params.pop("stream", False) is True
    await admit_run(store, request.app.state.limiter, key, record, operation)
    run = Run(request, key, record, operation, params, streamed=streamed, workspace=workspace)
    if streamed and registry.get(operation).streams:
        return await _stream(run)
    async with run:
        try:
            result = await run.run()
        except ConnectorError as exc:
            return _failure(exc)
    if isinstance(result.body, bytes):
        kind = result.headers.get("content-type", "application/octet-stream")
        return Response(result.body, media_type=kind)
    if isinstance(result.body, str):
        return Response(result.body, media_type=result.headers.get("content-type", "text/plain"))
    try:  # a provider's JSON body goes out as it is, without a copy made JSON-safe first
        data = json.dumps(result.body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except TypeError:  # bytes or objects inside (post-processed): made JSON-safe
        return JSONResponse(jsonable(result.body), status_code=result.status)
    return Response(data.encode(), status_code=result.status, media_type="application/json")


async def _stream(run: Run) -> Response:
    await run.__aenter__()
    try:
        chunks = run.open_stream()
    except ConnectorError as exc:
        await run.__aexit__(None, None, None)
        return _failure(exc)

    async def events() -> AsyncIterator[bytes]:
        try:
            async for chunk in chunks:
                if chunk.data is None:
                    continue
                data = json.dumps(jsonable(chunk.data), separators=(",", ":"))
                prefix = f"event: {chunk.event}\n" if chunk.event else ""
                yield f"{prefix}data: {data}\n\n".encode()
            yield b"data: [DONE]\n\n"
        except ConnectorError as exc:
            error = {
                "error": {"message": str(exc), "type": "api_error", "param": None, "code": exc.code}
            }
            yield f"data: {json.dumps(error)}\n\n".encode()
        finally:
            await run.__aexit__(None, None, None)

    return StreamingResponse(events(), media_type="text/event-stream")


JSON_ROUTES = (
    ("/chat/completions", "chat.create"),
    ("/completions", "completions.create"),
    ("/embeddings", "embeddings.create"),
    ("/moderations", "moderation.create"),
    ("/images/generations", "images.generate"),
    ("/responses", "responses.create"),
)


def _route(path: str, operation: str) -> None:
    async def call(request: Request, key: Operator) -> Response:
        return await _run(request, key, operation, await _json_body(request))

    call.__name__ = f"gateway_{operation.replace('.', '_')}"
    call.__doc__ = f"OpenAI's POST /v1{path}, run as {operation}."
    router.add_api_route(path, call, methods=["POST"], response_model=None)


for _path, _operation in JSON_ROUTES:
    _route(_path, _operation)


def hot_routes() -> list[Route]:
    """The JSON routes again as plain Starlette routes, to be matched before the ones above
    (which stay for the OpenAPI docs): the same checks and answers, without FastAPI's
    dependency solving on each call. Errors reach the application's handlers as before."""

    def endpoint(operation: str) -> Callable[[Request], Awaitable[Response]]:
        async def call(request: Request) -> Response:
            key = await key_of_role(request, "operator")
            return await _run(request, key, operation, await _json_body(request))

        return call

    return [
        Route(f"/v1{path}", endpoint(operation), methods=["POST"], include_in_schema=False)
        for path, operation in JSON_ROUTES
    ]


@router.post("/audio/transcriptions", response_model=None)
async def transcriptions(request: Request, key: Operator) -> Response:
    """OpenAI's multipart POST /v1/audio/transcriptions, run as audio.transcribe."""
    store = store_of(request)
    workspace = Workspace(store.data_dir / "workspaces")
    try:
        body: dict[str, Any] = {}
        limit = request.app.state.settings.max_upload_bytes
        async with request.form(max_files=1, max_fields=30, max_part_size=limit) as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    target = workspace.upload_path(value.filename)
                    with target.open("wb") as out:
                        while chunk := await value.read(1024 * 1024):
                            out.write(chunk)
                    body[name] = str(target)
                elif name.endswith("[]"):
                    body.setdefault(name[:-2], []).append(value)
                else:
                    body[name] = value
        return await _run(request, key, "audio.transcribe", body, workspace)
    finally:
        workspace.close()


@router.get("/models", response_model=None)
async def models(request: Request, key: Operator) -> Response:
    """The models of the key's default connector (its provider's list); without one, each
    connector with a default model as ``name/model``."""
    store = store_of(request)
    if key.default_connector:
        return await _run(request, key, "models.list", {})
    data = [
        {
            "id": f"{r.name}/{r.config['default_model']}",
            "object": "model",
            "created": 0,
            "owned_by": r.name,
        }
        for r in store.connectors.all()
        if isinstance(r.config.get("default_model"), str)
    ]
    return JSONResponse({"object": "list", "data": data})
