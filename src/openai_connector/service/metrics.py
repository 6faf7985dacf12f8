"""``/metrics`` (Prometheus text format) and the count of calls in flight.

Per app (its own registry, so two apps in one process do not mix): calls and errors by
connector, operation and code, tokens by kind, provider latency histogram, retries, and the
HTTP requests the service answered, and usage rows that could not be written. Calls, errors,
tokens, retries and latency count the same exchanges as the usage rows (a composite's inner
calls each).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from ..observers import Exchange

__all__ = ["CONTENT_TYPE_LATEST", "InFlight", "ServiceMetrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("connector", "operation")
        self.calls = Counter(
            "openai_connector_calls", "Provider calls", labels, registry=self.registry
        )
        self.errors = Counter(
            "openai_connector_errors",
            "Provider calls that failed, by error code",
            (*labels, "code"),
            registry=self.registry,
        )
        self.tokens = Counter(
            "openai_connector_tokens",
            "Tokens used, by kind (prompt, completion, cached, reasoning)",
            (*labels, "kind"),
            registry=self.registry,
        )
        self.retries = Counter(
            "openai_connector_retries", "Attempts beyond the first", labels, registry=self.registry
        )
        self.latency = Histogram(
            "openai_connector_call_seconds",
            "Latency of provider calls",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "openai_connector_http_requests",
            "Requests the service answered",
            ("method", "status"),
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "openai_connector_http_request_seconds",
            "Time the service took to answer (to the first byte of streams' ends)",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.usage_rows_lost = Counter(
            "openai_connector_usage_rows_lost",
            "Usage rows that could not be written (the database failed)",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "openai_connector_calls_in_flight", "Runs under way", registry=self.registry
        )
        self._children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._answered: dict[tuple[str, int], Counter] = {}

    def observe(self, exchange: Exchange, connector: str | None) -> None:
        """Count one exchange the connector's observer saw (retries: attempts beyond the
        first)."""
        labels = (connector or "", exchange.operation)
        children = self._children.get(labels)
        if children is None:  # made once per connector and operation: labels() is not free
            children = self._children[labels] = (
                self.calls.labels(*labels),
                self.latency.labels(*labels),
            )
        calls, latency = children
        calls.inc()
        if exchange.error_code is not None or (exchange.status or 0) >= 400:
            self.errors.labels(*labels, exchange.error_code or f"http_{exchange.status}").inc()
        usage = exchange.usage
        if usage is not None:
            for kind in ("prompt", "completion", "cached", "reasoning"):
                value = getattr(usage, f"{kind}_tokens", 0)
                if type(value) is int and value:
                    self.tokens.labels(*labels, kind).inc(value)
        if exchange.attempts > 1:
            self.retries.labels(*labels).inc(exchange.attempts - 1)
        latency.observe(exchange.elapsed)

    def answered(self, method: str, status: int, elapsed: float) -> None:
        """Count one HTTP request the service answered."""
        counter = self._answered.get((method, status))
        if counter is None:
            counter = self._answered[method, status] = self.requests.labels(method, str(status))
        counter.inc()
        self.request_latency.observe(elapsed)

    def text(self) -> bytes:
        return generate_latest(self.registry)


class InFlight:
    """Runs under way, so that shutdown can wait for them to finish."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.count = 0
        self._metrics = metrics
        self._idle: asyncio.Event | None = None

    def enter(self) -> None:
        self.count += 1
        self._metrics.in_flight.set(self.count)

    def leave(self) -> None:
        self.count -= 1
        self._metrics.in_flight.set(self.count)
        if self.count == 0 and self._idle is not None:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait (up to ``timeout`` s) until no run is under way; False if some still are."""
        if self.count == 0:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self._idle = None
        return True
