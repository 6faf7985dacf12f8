"""What every run of a registered connector goes through, whichever route asks for it (the
run API, Kibana's shape, the ``/v1`` gateway): the operation allowed, the caller's rate, the
connector's budget; and the strict trust policy of its library connector (which
:mod:`.connector_cache` makes).

Refusals here happen before anything is sent to the provider.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from ..errors import UnknownOperation
from ..operations import registry
from ..policy import TrustPolicy
from ..store.rate_windows import WINDOW
from .problems import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ..store import ConnectorRecord, KeyRecord, RateWindows, Store


def check_operation(record: ConnectorRecord, operation: str) -> None:
    """404 ``unknown_operation`` for an operation that does not exist; 403 ``forbidden`` for
    one the connector does not allow (both name it)."""
    try:
        registry.get(operation)
    except UnknownOperation as exc:
        raise ApiError("unknown_operation", exc.message, field="operation") from None
    allowed = record.allowed_operations
    if allowed is not None and operation not in allowed:
        raise ApiError(
            "operation_not_allowed",
            f"connector {record.name!r} does not allow operation {operation!r}; it allows "
            + (", ".join(allowed) or "none"),
            field="operation",
        )


def check_budget(store: Store, record: ConnectorRecord) -> None:
    """402 ``budget_exceeded`` when the connector has spent its monthly budget."""
    budget = record.monthly_budget_usd
    if budget is None:
        return
    spent = store.usage.month_cost(record.name)
    if spent >= budget:
        raise ApiError(
            "budget_exceeded",
            f"connector {record.name!r} has spent ${spent:.4f} of its monthly budget of "
            f"${budget:.2f}; nothing was sent (raise monthly_budget_usd or wait for next month)",
        )


class RateLimiter:
    """Requests per minute per key, counted in the database: every instance on it shares the
    count. A key's window starts at its first request and lasts 60 s; a key without a limit
    costs nothing, one with a limit one statement per call."""

    def __init__(self, windows: RateWindows, clock: Callable[[], float] = time.time) -> None:
        self._windows = windows
        self._clock = clock

    def check(self, key: KeyRecord) -> None:
        """429 ``rate_limited`` (with Retry-After) when the key is over its limit."""
        limit = key.rate_limit_per_minute
        if limit is None:
            return
        now = self._clock()
        start, count = self._windows.hit(key.id, now)
        if count > limit:
            wait = max(1, math.ceil(start + WINDOW - now))
            raise ApiError(
                "rate_limited",
                f"the key {key.name!r} may make {limit} requests a minute; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )


def admit(
    store: Store, limiter: RateLimiter, key: KeyRecord, record: ConnectorRecord, operation: str
) -> None:
    """Every check made before a run: operation, rate, budget (in that order)."""
    check_operation(record, operation)
    limiter.check(key)
    check_budget(store, record)


def policy_for(store: Store, record: ConnectorRecord, workspace: Path | None) -> TrustPolicy:
    """Strict: no references in input, files only inside the call's workspace, no host
    features, references in settings from the service's store. A preconfigured connector
    (written by the host's operator) keeps its host features (a CA bundle file, ...)."""
    strict = TrustPolicy.strict(secrets=store.secret_source(), workspace=workspace)
    if record.preconfigured:
        return TrustPolicy(
            input_secrets=False, secrets=strict.secrets, files=strict.files, host_features=True
        )
    return strict


async def admit_run(
    store: Store, limiter: RateLimiter, key: KeyRecord, record: ConnectorRecord, operation: str
) -> None:
    """:func:`admit` for a route: on the event loop when the checks read nothing (no rate
    limit on the key, no budget on the connector), else in a worker thread (the database is
    read, and a limited key's window written)."""
    if key.rate_limit_per_minute is None and record.monthly_budget_usd is None:
        admit(store, limiter, key, record, operation)
    else:
        await run_in_threadpool(admit, store, limiter, key, record, operation)
