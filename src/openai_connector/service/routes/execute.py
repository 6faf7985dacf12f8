"""The run-connector API (operator): ``POST /api/connectors/{id}/execute`` (JSON or multipart,
or a ``text/event-stream`` with ``"stream": true``), ``POST /api/connectors/{id}/test``, and
``GET /api/downloads/{token}`` for files a run produced."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.routing import Route

from ...errors import ConnectorError
from ...mapping import ResultMapping
from ..auth import Operator, key_of_role, store_of
from ..problems import ApiError, error_body, field_path
from ..run_path import admit_run
from ..runs import Run, connector_error_response, error_payload, jsonable
from ..workspace import Workspace
from .connectors import find, find_current

if TYPE_CHECKING:
    from starlette.responses import Response

    from ...result import Result
    from ...store import ConnectorRecord, KeyRecord

router = APIRouter(tags=["run"])
_UPLOAD_CHUNK = 1024 * 1024


class ExecuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation: str = Field(min_length=1, max_length=100, description="An operation id.")
    params: dict[str, Any] = Field(default_factory=dict, description="The operation's input.")
    result_expression: str | None = Field(
        None, description="JMESPath over the envelope giving a mapping (returned as `result`)."
    )
    stream: bool = Field(False, description="Answer a text/event-stream of deltas.")


def _parse(data: Any) -> ExecuteIn:
    try:
        return ExecuteIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = field_path(tuple(first.get("loc", ()))) or "body"
        raise ApiError("invalid_input", f"{field}: {first['msg']}", field=field) from None


async def _read_request(request: Request, workspace: Workspace) -> ExecuteIn:
    """The JSON body, or a multipart form: a ``request`` part holding that JSON and file parts
    streamed into the workspace, each given to the parameter it is named after."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("multipart/"):
        raw = await request.body()
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError("invalid_json", "the body is not valid JSON", field="body") from None
        return _parse(data)
    limit = request.app.state.settings.max_upload_bytes
    async with request.form(max_files=20, max_fields=50, max_part_size=limit) as form:
        text = form.get("request")
        if not isinstance(text, str):
            raise ApiError(
                "invalid_input",
                "request: a multipart call needs a 'request' part with the JSON of "
                "{operation, params}",
                field="request",
            )
        try:
            body = _parse(json.loads(text))
        except ValueError:
            raise ApiError("invalid_json", "request: not valid JSON", field="request") from None
        for name, value in form.multi_items():
            if not isinstance(value, UploadFile):
                continue
            if not name.isidentifier():
                raise ApiError("invalid_input", f"{name!r} is not a parameter name", field=name)
            target = workspace.upload_path(value.filename)
            with target.open("wb") as out:
                while chunk := await value.read(_UPLOAD_CHUNK):
                    out.write(chunk)
            body.params[name] = str(target)
    return body


def _result_mapping(expression: str | None) -> ResultMapping | None:
    if not expression:
        return None
    try:
        return ResultMapping.compile(result_expression=expression)
    except ConnectorError as exc:
        raise ApiError("invalid_input", exc.message, field="result_expression") from None


def _answer(run: Run, result: Result, mapping: ResultMapping | None, limit: int) -> dict[str, Any]:
    answer = run.envelope(result, limit)
    if mapping is not None:
        try:
            answer["result"] = jsonable(mapping.apply(result))
        except ConnectorError as exc:
            raise ApiError("invalid_input", exc.message, field="result_expression") from None
    return answer


_EXECUTE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ExecuteIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["request"],
                    "properties": {
                        "request": {"type": "string", "description": "The JSON body, as text"}
                    },
                    "additionalProperties": {"type": "string", "format": "binary"},
                }
            },
        },
    }
}


@router.post("/api/connectors/{ref}/execute", response_model=None, openapi_extra=_EXECUTE_BODY)
async def execute(ref: str, request: Request, key: Operator) -> JSONResponse | StreamingResponse:
    """Run an operation on the connector: ``{status, headers, body, meta}``."""
    store = store_of(request)
    record = find_current(request, ref)
    workspace = Workspace(store.data_dir / "workspaces")
    try:
        body = await _read_request(request, workspace)
        mapping = _result_mapping(body.result_expression)
        await admit_run(store, request.app.state.limiter, key, record, body.operation)
        run = Run(
            request,
            key,
            record,
            body.operation,
            body.params,
            streamed=body.stream,
            workspace=workspace,
        )
    except BaseException:
        workspace.close()
        raise
    if body.stream:
        return await _streamed(run, mapping)
    async with run:
        try:
            result = await run.run()
        except ConnectorError as exc:
            return connector_error_response(exc)
        inline = request.app.state.settings.max_inline_bytes
        return JSONResponse(_answer(run, result, mapping, inline))


async def _execute_hot(request: Request) -> Response:
    key = await key_of_role(request, "operator")
    return await execute(request.path_params["ref"], request, key)


def hot_route() -> Route:
    """The route above again as a plain Starlette route, to be matched before it (which
    stays for the OpenAPI docs): the same checks in the same order and the same answers,
    without FastAPI's dependency solving on each call."""
    return Route(
        "/api/connectors/{ref}/execute", _execute_hot, methods=["POST"], include_in_schema=False
    )


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _streamed(run: Run, mapping: ResultMapping | None) -> StreamingResponse:
    await run.__aenter__()
    try:
        if not _streams(run.operation):
            raise ApiError(
                "invalid_input",
                f'operation {run.operation!r} does not stream; send it without "stream"',
                field="stream",
            )
        chunks = run.open_stream()
    except ConnectorError as exc:
        await run.__aexit__(None, None, None)
        return connector_error_response(exc)  # type: ignore[return-value]
    except BaseException:
        await run.__aexit__(None, None, None)
        raise
    inline = run.app.state.settings.max_inline_bytes

    async def events() -> AsyncIterator[bytes]:
        try:
            async for chunk in chunks:
                delta: dict[str, Any] = {"text": chunk.text, "data": jsonable(chunk.data)}
                if chunk.event:
                    delta["event"] = chunk.event
                yield _event("delta", delta)
            assert run.result is not None
            yield _event("result", _answer(run, run.result, mapping, inline))
        except ConnectorError as exc:
            yield _event("error", error_payload(exc)[1])
        except ApiError as exc:
            yield _event("error", exc.body())
        finally:
            await run.__aexit__(None, None, None)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


def _streams(operation: str) -> bool:
    from ...operations import registry

    return registry.get(operation).streams


async def run_for(
    request: Request,
    key: KeyRecord,
    record: ConnectorRecord,
    operation: str,
    params: dict[str, Any],
) -> Result:
    """Run a JSON-only operation for another route (Kibana's shape, the test)."""
    await admit_run(store_of(request), request.app.state.limiter, key, record, operation)
    async with Run(request, key, record, operation, params) as run:
        return await run.run()


@router.post("/api/connectors/{ref}/test")
async def test_connector(ref: str, request: Request, key: Operator) -> JSONResponse:
    """``connection.test``: each step (models, chat, streamed chat) with its timing."""
    record = find(store_of(request), ref)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ApiError("invalid_json", "the body is not valid JSON", field="body") from None
    params = {"model": body["model"]} if isinstance(body, dict) and body.get("model") else {}
    store = store_of(request)
    try:
        result = await run_for(request, key, record, "connection.test", params)
    except ConnectorError as exc:
        failed = {"step": "connection.test", "ok": False, "error": exc.to_dict()}
        await run_in_threadpool(store.connectors.record_test, record.id, False, [_kept(failed)])
        return connector_error_response(exc)
    data = jsonable(result.body)
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    kept = [_kept(s) for s in steps if isinstance(s, dict)]
    tested = await run_in_threadpool(
        store.connectors.record_test, record.id, bool(data.get("ok")), kept
    )
    assert tested.last_test is not None
    data["time"] = tested.last_test.time.isoformat()
    return JSONResponse(data, status_code=200 if data.get("ok") else 502)


_KEPT_MESSAGE = 500


def _kept(step: dict[str, Any]) -> dict[str, Any]:
    """What the connector keeps of a test step: its name, outcome, time and the error's code
    and message (shortened), enough for the list to say what failed."""
    kept: dict[str, Any] = {
        k: step[k] for k in ("step", "ok", "status", "elapsed_ms", "skipped") if k in step
    }
    error = step.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        if len(message) > _KEPT_MESSAGE:
            message = message[: _KEPT_MESSAGE - 1] + "…"
        kept["error"] = {"code": error.get("code"), "message": message}
    return kept


@router.get("/api/downloads/{token}", response_model=None)
def download(token: str, request: Request, key: Operator) -> FileResponse | JSONResponse:
    """A file a run produced: once, by the key that ran it, before it expires."""
    taken = request.app.state.downloads.take(token, key.name)
    if taken is None:
        return JSONResponse(
            error_body("not_found", "no such download (fetched already, expired or not yours)"),
            status_code=404,
        )
    path, name = taken
    return FileResponse(path, filename=name, background=BackgroundTask(path.unlink, True))
