"""What every run of a registered connector goes through, whichever route asks for it (the
run API, Kibana's shape, the ``/v1`` gateway): the operation allowed, the caller's rate, the
connector's budget; and the strict trust policy of its library connector (which
:mod:`.connector_cache` makes).

Refusals here happen before anything is sent to the provider.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from ..errors import UnknownOperation
from ..operations import registry
from ..policy import TrustPolicy
from .problems import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ..store import ConnectorRecord, KeyRecord, Store


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
    """Requests per minute per key, in a sliding window of 60 s (this process's count)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: KeyRecord) -> None:
        """429 ``rate_limited`` (with Retry-After) when the key is over its limit."""
        limit = key.rate_limit_per_minute
        if limit is None:
            return
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(key.name, deque())
            while seen and seen[0] <= now - 60.0:
                seen.popleft()
            if len(seen) >= limit:
                wait = max(1, int(seen[0] + 60.0 - now + 0.999))
                raise ApiError(
                    "rate_limited",
                    f"the key {key.name!r} may make {limit} requests a minute; retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            seen.append(now)


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
