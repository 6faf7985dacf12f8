"""``connection.test``: does this connection work, streaming included?

Steps: list the models (OpenAI and compatible servers), a one-token chat, then the same
chat streamed, so that a proxy that breaks streaming is caught at set-up time. The result's
body lists each step; its status is 200 when every step passed, else the failing step's.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from pydantic import Field

from ..constants import DEFAULT_MODEL
from ..errors import APIStatusError, ConnectorError, InvalidInput
from ..result import Result
from ..steps import Call, Plan
from . import registry
from .base import Operation, OperationInput, Runner
from .limits import ModelName


class ConnectionTestInput(OperationInput):
    model: ModelName | None = Field(
        None,
        description="Model (Azure: deployment) for the chat steps; default: the connection's, "
        "else on OpenAI gpt-5-mini, on a compatible server the first listed model",
    )


def _step(steps: list[dict[str, Any]], name: str, call: Call) -> Plan[Result | None]:
    started = time.perf_counter()
    record: dict[str, Any] = {"step": name}
    try:
        result: Result = yield call
    except APIStatusError as exc:
        record.update(ok=False, status=exc.status, error=exc.to_dict())
        result = None  # type: ignore[assignment]
    except ConnectorError as exc:
        record.update(ok=False, status=None, error=exc.to_dict())
        result = None  # type: ignore[assignment]
    else:
        record.update(ok=True, status=result.status)
    record["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 3)
    steps.append(record)
    return result


def run_connection_test(runner: Runner, data: ConnectionTestInput) -> Plan[Result]:
    context = runner.context
    steps: list[dict[str, Any]] = []
    model = data.model or context.connection.default_model
    unlisted = context.provider.unavailable(registry.get("models.list"))
    if unlisted is not None:
        model = context.model(model)  # a deployment must be named: say so before sending
        steps.append(
            {
                "step": "models.list",
                "ok": True,
                "skipped": True,
                "note": f"{unlisted}; the chat steps check the deployment",
            }
        )
    else:
        listed = yield from _step(steps, "models.list", Call("models.list", {}))
        if listed is None:
            return _report(steps)
        if model is None:
            body = listed.body if isinstance(listed.body, dict) else {}
            items = body.get("data")
            items = items if isinstance(items, list) else []
            names = [m["id"] for m in items if isinstance(m, dict) and isinstance(m.get("id"), str)]
            try:  # the rule of calls without a model, on the list just read
                model = replace(context, served_models=tuple(names)).model(None)
            except InvalidInput:  # several models, none the default: try the first
                model = names[0] if names else DEFAULT_MODEL
    assert model is not None
    chat = {"model": model, "prompt": "Say OK.", "max_tokens": 1}
    if (yield from _step(steps, "chat.create", Call("chat.create", chat))) is None:
        return _report(steps)
    streamed = yield from _step(
        steps, "chat.create (stream)", Call("chat.create", {**chat, "stream": True}, streamed=True)
    )
    if streamed is not None and not streamed.extra.get("streamed", True):
        steps[-1].update(
            ok=False,
            error={
                "code": "not_streamed",
                "message": "the server answered a streamed request with "
                f"{streamed.headers.get('content-type')!r}, not text/event-stream: a proxy "
                "or the server does not stream",
            },
        )
    return _report(steps)


def _report(steps: list[dict[str, Any]]) -> Result:
    failed = next((s for s in steps if not s["ok"]), None)
    if failed is None:
        status = 200
    else:  # a failed step that still got a 2xx (e.g. a stream that was not streamed) is a 502
        status = failed["status"] if (failed.get("status") or 0) >= 400 else 502
    return Result(status, {}, {"ok": failed is None, "steps": steps})


CONNECTION_TEST = Operation(
    id="connection.test",
    summary="Check auth and reachability: list models, a one-token chat, a streamed one",
    input=ConnectionTestInput,
    keywords=("test", "check", "connection", "auth", "ping", "health", "setup"),
    runner=run_connection_test,
)

OPERATIONS = (CONNECTION_TEST,)
