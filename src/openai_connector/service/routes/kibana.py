"""Kibana's run-connector shape, so its documented calls run unchanged:
``POST /api/actions/connector/{id}/_execute`` with ``{"params": {"subAction": "run" | "test" |
"stream", "subActionParams": {"body": "<the OpenAI request as a JSON string>"}}}``.

``run`` and ``test`` answer ``{"status": "ok", "connector_id", "data"}`` (``data`` is the
provider's answer) or ``{"status": "error", "connector_id", "message", "service_message"}``;
``stream`` answers the provider's server-sent events as they come. ``test`` is kept on the
connector as its last test (``last_test``), as ``POST /api/connectors/{id}/test`` is."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...errors import ConnectorError
from ..auth import Operator, store_of
from ..problems import ApiError
from ..run_path import admit_run
from ..runs import Run, jsonable
from .connectors import find
from .execute import _kept, run_for

router = APIRouter(tags=["kibana"])
SUB_ACTIONS = ("run", "test", "stream", "invokeAI", "invokeStream")


def _body_of(payload: Any) -> tuple[str, dict[str, Any]]:
    params = payload.get("params") if isinstance(payload, dict) else None
    if not isinstance(params, dict):
        raise ApiError("invalid_input", "params: required, an object", field="params")
    action = params.get("subAction")
    if action not in SUB_ACTIONS:
        raise ApiError(
            "invalid_input",
            f"params.subAction: {action!r} is not one of {', '.join(SUB_ACTIONS)}",
            field="params.subAction",
        )
    sub = params.get("subActionParams")
    text = sub.get("body") if isinstance(sub, dict) else None
    if not isinstance(text, str):
        raise ApiError(
            "invalid_input",
            "params.subActionParams.body: required, the OpenAI request as a JSON string",
            field="params.subActionParams.body",
        )
    try:
        body = json.loads(text)
    except ValueError:
        raise ApiError(
            "invalid_json",
            "params.subActionParams.body: not valid JSON",
            field="params.subActionParams.body",
        ) from None
    if not isinstance(body, dict):
        raise ApiError(
            "invalid_input",
            "params.subActionParams.body: must be a JSON object",
            field="params.subActionParams.body",
        )
    return str(action), body


def _failed(connector_id: str, exc: ConnectorError) -> JSONResponse:
    detail = exc.result.body if hasattr(exc, "result") and exc.result is not None else None
    service_message = json.dumps(jsonable(detail)) if detail is not None else str(exc)
    return JSONResponse(
        {
            "status": "error",
            "connector_id": connector_id,
            "message": f"an error occurred while running the action: {exc.code}",
            "service_message": service_message,
        }
    )


@router.post("/api/actions/connector/{ref}/_execute", response_model=None)
async def kibana_execute(
    ref: str, request: Request, key: Operator
) -> JSONResponse | StreamingResponse:
    store = store_of(request)
    record = find(store, ref)
    try:
        payload = json.loads(await request.body())
    except ValueError:
        raise ApiError("invalid_json", "the body is not valid JSON", field="body") from None
    action, body = _body_of(payload)
    if action in ("stream", "invokeStream") or body.get("stream") is True:
        body.pop("stream", None)
        await admit_run(store, request.app.state.limiter, key, record, "chat.create")
        run = Run(request, key, record, "chat.create", body, streamed=True)
        await run.__aenter__()
        try:
            chunks = run.open_stream()
        except ConnectorError as exc:
            await run.__aexit__(None, None, None)
            return _failed(record.id, exc)

        async def events() -> AsyncIterator[bytes]:
            try:
                async for chunk in chunks:
                    if chunk.data is not None:
                        yield f"data: {json.dumps(jsonable(chunk.data))}\n\n".encode()
                yield b"data: [DONE]\n\n"
            except ConnectorError as exc:
                error = {"error": {"code": exc.code, "message": str(exc)}}
                yield f"data: {json.dumps(error)}\n\n".encode()
            finally:
                await run.__aexit__(None, None, None)

        return StreamingResponse(events(), media_type="text/event-stream")
    try:
        result = await run_for(request, key, record, "chat.create", body)
    except ConnectorError as exc:
        if action == "test":
            failed = {"step": "chat.create", "ok": False, "error": exc.to_dict()}
            answered = getattr(exc, "result", None)
            if answered is not None:
                failed["status"] = answered.status
            await run_in_threadpool(store.connectors.record_test, record.id, False, [_kept(failed)])
        return _failed(record.id, exc)
    if action == "test":  # kept on the connector like POST /api/connectors/{id}/test
        step = {"step": "chat.create", "ok": True, "status": result.status}
        step["elapsed_ms"] = round(result.elapsed * 1000, 3)
        await run_in_threadpool(store.connectors.record_test, record.id, True, [step])
    return JSONResponse({"status": "ok", "connector_id": record.id, "data": jsonable(result.body)})
