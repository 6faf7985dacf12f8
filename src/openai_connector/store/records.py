"""What the store hands out: plain frozen records (no ORM rows leave the store) and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives naive ones back)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StoreError(Exception):
    """A refusal of the store; ``code`` is machine-readable, ``field`` names the culprit."""

    code = "store_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DuplicateName(StoreError):
    code = "duplicate_name"


class NotInStore(StoreError):
    code = "not_found"


@dataclass(frozen=True, slots=True)
class ConnectorRecord:
    id: str
    name: str
    description: str
    provider: str
    config: dict[str, Any]
    allowed_operations: list[str] | None
    tags: list[str]
    preconfigured: bool
    monthly_budget_usd: float | None
    created: datetime
    updated: datetime
    secret_names: tuple[str, ...] = ()
    """Which secrets have a stored value (the values never leave the store this way)."""
    log_content: bool = False
    """Keep (redacted) prompts and outputs in the usage rows."""
    last_test: ConnectionTestRecord | None = None
    """The outcome of the last connection test (``POST /api/connectors/{id}/test``)."""


@dataclass(frozen=True, slots=True)
class ConnectionTestRecord:
    """A connection test as kept: passed or not, when, and a summary of each step."""

    ok: bool
    time: datetime
    steps: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: int
    name: str
    role: str
    prefix: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None
    rate_limit_per_minute: int | None = None
    default_connector: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One row of the usage log, as written."""

    operation: str
    connector: str | None = None
    model: str | None = None
    provider: str | None = None
    status: int | None = None
    error_code: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float | None = None
    attempts: int = 1
    request_id: str | None = None
    caller: str | None = None
    tags: list[str] = field(default_factory=list)
    streamed: bool = False
    content: dict[str, Any] | None = None
    """The redacted input and output, when the connector opts in."""
    time: datetime | None = None
    """None: now."""
