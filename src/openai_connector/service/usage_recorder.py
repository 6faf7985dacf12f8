"""Usage rows from exchanges: one row per HTTP exchange with the provider.

:func:`record_exchange` takes any object with the fields of the observer seam's ``Exchange``
(``operation, provider, model, status, error_code, usage, attempts, request_id, elapsed,
streamed``) and writes its row: tokens, cost from the price table (None for an unknown
model), latency, caller and the connector's tags. Prompts and outputs are stored only for a
connector that opts in (``log_content``), redacted and cut to :data:`CONTENT_LIMIT`
characters each (:func:`content_of`).

:func:`exchange_from_result` is TEMPORARY: until the core's observers
(``openai_connector.observers``) are on main, the run path feeds the recorder from the
top-level :class:`~openai_connector.result.Result` or error, one row per run (inner calls of a
composite are not seen). With observers, pass an observer to the connector and delete it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import APIStatusError, ConnectorError, InvalidResponse
from ..store import UsageRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..result import Result
    from ..store import ConnectorRecord, PriceTable, Store
    from ..usage import Usage

REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "request-id")
KEY_SHAPED = re.compile(r"\b(?:sk|ocs|rk|pk|sess)[-_][A-Za-z0-9_-]{12,}|(?i:bearer)\s+[^\s\"']{8,}")
"""Text that looks like a key (``sk-...``, a service key, a bearer token): kept content hides
it even when it is no secret of the connector."""
CONTENT_LIMIT = 16_000


@dataclass(frozen=True, slots=True)
class ExchangeFacts:
    """The fields of the seam's ``Exchange`` that a usage row needs."""

    operation: str
    provider: str
    model: str | None
    status: int | None
    error_code: str | None
    usage: Usage | None
    attempts: int
    request_id: str | None
    elapsed: float
    streamed: bool


def _tokens(usage: Any, name: str) -> int:
    value = getattr(usage, name, 0) if usage is not None else 0
    return value if type(value) is int else 0


def usage_record(
    exchange: Any,
    prices: PriceTable,
    *,
    connector: ConnectorRecord | None,
    caller: str | None,
    content: dict[str, Any] | None = None,
) -> UsageRecord:
    """The row of one exchange (an ``Exchange`` of the seam or an :class:`ExchangeFacts`)."""
    usage = exchange.usage
    prompt = _tokens(usage, "prompt_tokens")
    completion = _tokens(usage, "completion_tokens")
    cached = _tokens(usage, "cached_tokens")
    reasoning = _tokens(usage, "reasoning_tokens")
    cost = None
    if exchange.model is not None:
        cost = prices.cost(exchange.model, prompt, completion, cached)
    return UsageRecord(
        operation=exchange.operation,
        connector=connector.name if connector else None,
        model=exchange.model,
        provider=exchange.provider,
        status=exchange.status,
        error_code=exchange.error_code,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cached_tokens=cached,
        reasoning_tokens=reasoning,
        cost_usd=cost,
        latency_ms=round(exchange.elapsed * 1000, 3),
        attempts=exchange.attempts,
        request_id=exchange.request_id,
        caller=caller,
        tags=list(connector.tags) if connector else [],
        streamed=exchange.streamed,
        content=content,
    )


def content_of(
    params: dict[str, Any], result: Result | None, redact: Callable[[str], str]
) -> dict[str, Any]:
    """What a connector that opts in keeps: its input and the answer's text (or body), as
    redacted text cut to :data:`CONTENT_LIMIT` characters."""
    import json

    def text(value: Any) -> str:
        if not isinstance(value, str):
            value = json.dumps(value, default=str, ensure_ascii=False)
        return KEY_SHAPED.sub("***", redact(value[:CONTENT_LIMIT]))

    output = None
    if result is not None:
        answer = result.text
        output = text(answer if answer is not None else result.body)
    return {"input": text(params), "output": output}


def record_exchange(
    store: Store,
    prices: PriceTable,
    exchange: Any,
    *,
    connector: ConnectorRecord | None,
    caller: str | None,
    content: dict[str, Any] | None = None,
) -> UsageRecord:
    """Write the row of one exchange and return it."""
    row = usage_record(exchange, prices, connector=connector, caller=caller, content=content)
    store.usage.record(row)
    return row


def request_id_of(headers: dict[str, str] | None) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = (headers or {}).get(name)
        if value:
            return value[:200]
    return None


def model_of(params: dict[str, Any], result: Result | None, default: str | None) -> str | None:
    """The model the provider says it used, else the one asked for, else the default."""
    body = result.body if result is not None else None
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        return str(body["model"])
    asked = params.get("model")
    return asked if isinstance(asked, str) else default


def exchange_from_result(
    operation: str,
    provider: str,
    params: dict[str, Any],
    default_model: str | None,
    *,
    result: Result | None = None,
    error: ConnectorError | None = None,
    elapsed: float,
    streamed: bool,
) -> ExchangeFacts:
    """TEMPORARY adapter (see the module's docstring): the facts of a top-level run."""
    if result is None and isinstance(error, APIStatusError | InvalidResponse):
        result = error.result
    attempts = result.attempts if result is not None else getattr(error, "attempts", 1)
    return ExchangeFacts(
        operation=operation,
        provider=provider,
        model=model_of(params, result, default_model),
        status=result.status if result is not None else None,
        error_code=error.code if error is not None else None,
        usage=result.usage if result is not None else None,
        attempts=attempts,
        request_id=request_id_of(result.headers if result is not None else None),
        elapsed=result.elapsed if result is not None and result.elapsed else elapsed,
        streamed=streamed,
    )
