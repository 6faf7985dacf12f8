"""Usage rows from exchanges: one row per HTTP exchange with the provider.

:func:`usage_record` turns one :class:`~openai_connector.observers.Exchange` (the inner
calls of a composite are exchanges of their own) into its row: tokens (cached and reasoning
too), cost from the price table (None for an unknown model), latency, attempts, request id,
caller and the connector's tags. Prompts and outputs are stored only for a connector that
opts in (``log_content``), redacted and cut to :data:`CONTENT_LIMIT` characters each
(:func:`content_of`). :mod:`.usage_writer` writes the rows off the event loop.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..store import UsageRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..observers import Exchange
    from ..result import Result
    from ..store import ConnectorRecord, PriceTable

KEY_SHAPED = re.compile(r"\b(?:sk|ocs|rk|pk|sess)[-_][A-Za-z0-9_-]{12,}|(?i:bearer)\s+[^\s\"']{8,}")
"""Text that looks like a key (``sk-...``, a service key, a bearer token): kept content hides
it even when it is no secret of the connector."""
CONTENT_LIMIT = 16_000


def _tokens(usage: Any, name: str) -> int:
    value = getattr(usage, name, 0) if usage is not None else 0
    return value if type(value) is int else 0


def usage_record(
    exchange: Exchange,
    prices: PriceTable,
    *,
    connector: ConnectorRecord | None,
    caller: str | None,
    content: dict[str, Any] | None = None,
) -> UsageRecord:
    """The row of one exchange."""
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
        request_id=exchange.request_id[:200] if exchange.request_id else None,
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
