"""The tables of the service's database (SQLAlchemy 2 declarative models).

Portable SQL only: the same models run on SQLite (the default) and PostgreSQL. Times are
stored in UTC. The schema is made and changed by the numbered migrations in
``migrations/versions`` (append-only), never by ``create_all``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConnectorRow(Base):
    """A connector in the registry: its settings; its secret values live in SecretRow."""

    __tablename__ = "connectors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Every connection setting but the secret values (references kept as written)."""
    allowed_operations: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    """None: every operation."""
    tags: Mapped[list[str]] = mapped_column(JSON)
    preconfigured: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly_budget_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    log_content: Mapped[bool] = mapped_column(Boolean, default=False)
    """Keep (redacted) prompts and outputs in this connector's usage rows."""
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_test_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_test: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The last connection test: ``{"ok", "steps": [{step, ok, elapsed_ms, ...}]}``."""


class SecretRow(Base):
    """A secret: of one connector (``connector_id`` set) or a named secret of the service's
    own store, which ``{{secrets.NAME}}`` references resolve from (``connector_id`` None)."""

    __tablename__ = "secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connector_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("connectors.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    ciphertext: Mapped[bytes] = mapped_column()
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """A bearer key of the service: only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(20), index=True)
    """The key's first characters (``ocs_`` and a few more): shown in lists, found by."""
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    default_connector: Mapped[str | None] = mapped_column(String(200), nullable=True)


class UsageRow(Base):
    """One exchange with a provider, as the usage log keeps it."""

    __tablename__ = "usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    connector: Mapped[str | None] = mapped_column(String(200), index=True, nullable=True)
    operation: Mapped[str] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    reasoning_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    request_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    caller: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON)
    streamed: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The redacted input and output, only for connectors that opt in (``log_content``)."""


class ProcessInstanceRow(Base):
    """A saved BPMN process instance of the embedded engine (``process run --save-db``)."""

    __tablename__ = "process_instances"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    """completed, incident or waiting, as the last run left it."""
    saved: Mapped[str] = mapped_column(Text)
    """The engine's save: the BPMN and SpiffWorkflow's serialisation, as JSON text."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised by each save: a resume saves back only over the version it read."""
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateWindowRow(Base):
    """A key's current rate window: when it started (epoch seconds) and the requests in it.
    One row per key, counted up by one atomic statement shared by every instance."""

    __tablename__ = "rate_windows"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    window_start: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class StoreFactRow(Base):
    """A fact about the database itself, e.g. the fingerprint of its encryption key."""

    __tablename__ = "store_facts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
