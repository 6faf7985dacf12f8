"""What a registered connector's runs share, made once per version of the connector.

Building a library connector for a run costs a database read of its secrets (and their
decryption), a validated :class:`~..connection.Connection`, and, worst, a new aiohttp session
and a new TCP (or TLS) connection to the provider. :class:`ConnectorCache` keeps, per
registered connector, the connection, the redactor of its secret values and one transport
(one pooled session), keyed by the connector's id and its ``updated`` time: an update
(settings or secrets, in this process or another one on the same database) makes a new
entry, and the old one is closed once its last run has ended.

A run whose input names no files (nearly all) uses the entry's one library connector; its
observer hands each event to the run in whose context it happens (:data:`CURRENT_RUN`, set
by the run around its call), so each run still gets its own usage rows, caller and
metrics. A run whose input names files gets a library connector of its own over the shared
transport, with its workspace folder in its trust policy. The session belongs to the
event loop of the application's lifespan; a run on another loop (a test client used
without ``with``) gets a transport of its own, closed when the run ends.
"""

from __future__ import annotations

import asyncio
import functools
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..connection import Connection
from ..connector import AsyncConnector
from ..core import FILE_FIELDS, Core
from ..errors import ConnectorError
from ..operations import registry
from ..redaction import Redactor
from ..store import NotInStore
from .connector_input import connection_settings
from .loop_reads import LoopReads
from .problems import ApiError
from .run_path import policy_for

if TYPE_CHECKING:
    from pathlib import Path

    from ..observers import Exchange, Observer, RunFinished
    from ..store import ConnectorRecord, Store
    from ..transport.aio import AiohttpTransport


@functools.cache
def file_fields(operation: str) -> tuple[str, ...]:
    """The input fields of ``operation`` that may name local files (read or written)."""
    op = registry.get(operation)
    return tuple(
        name
        for name, info in op.input.model_fields.items()
        if name in FILE_FIELDS or "UploadSource" in str(info.annotation)
    )


def touches_files(operation: str, params: dict[str, Any]) -> bool:
    """Whether this run's input names local files (read or written): such a run gets a
    workspace folder in its trust policy; the others need none (and no folder is made)."""
    return any(params.get(name) is not None for name in file_fields(operation))


CURRENT_RUN: ContextVar[Observer | None] = ContextVar("openai_connector_run", default=None)
"""The observer of the run going on in this context (a task and the tasks and threads it
starts): where the shared connector's events go."""


def _to_current_run(event: Exchange | RunFinished) -> None:
    observer = CURRENT_RUN.get()
    if observer is not None:
        observer(event)


@dataclass(eq=False)
class SharedConnector:
    """One version of a registered connector: what its runs share."""

    record: ConnectorRecord
    connection: Connection
    redact: Redactor
    """Redacts the connector's secret values (errors that echo the caller's input)."""
    transport: AiohttpTransport
    passwords: tuple[str, ...]
    """Proxy passwords the transport found (each run's connector redacts them)."""
    cached: bool
    users: int = 0
    stale: bool = False
    _closed: bool = field(default=False, repr=False)
    _plain: AsyncConnector | None = field(default=None, repr=False)

    def plain(self, store: Store) -> AsyncConnector:
        """The library connector of the runs whose input names no files, made once: its
        one observer hands each event to the run in whose context it happens
        (:data:`CURRENT_RUN`), so each run still sees only its own exchanges."""
        if self._plain is None:
            self._plain = self.connector(store, None, [_to_current_run])
        return self._plain

    def connector(
        self, store: Store, workspace: Path | None, observers: list[Observer]
    ) -> AsyncConnector:
        """A library connector for one run over the shared transport."""
        policy = policy_for(store, self.record, workspace)
        connector = AsyncConnector(
            self.connection,
            policy=policy,
            transport=self.transport,
            observers=observers,
            name=self.record.name,
        )
        for password in self.passwords:
            connector.redactor.add(password)
        return connector

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self.transport.aclose()


def _misconfigured(record: ConnectorRecord, redact: Redactor, exc: Exception) -> ApiError:
    code = "invalid_input" if getattr(exc, "code", None) == "invalid_input" else None
    return ApiError(
        code or "connector_misconfigured",
        redact(f"connector {record.name!r} cannot be used: {exc}"),
    )


def build_shared(store: Store, record: ConnectorRecord, *, cached: bool) -> SharedConnector:
    """The connection and transport of ``record``; a bad stored setting is 422 with its
    code (the message redacted of the connector's secret values)."""
    from ..transport.aio import AiohttpTransport

    values = store.connectors.connector_secrets(record.id)
    redact = Redactor(v for v in values.values() if v)
    try:
        connection = Connection(**connection_settings(record, values))
        core = Core(connection, policy=policy_for(store, record, None))
        transport = AiohttpTransport(core.network())
    except ConnectorError as exc:
        raise _misconfigured(record, redact, exc) from None
    except (TypeError, ValueError) as exc:
        raise _misconfigured(record, redact, exc) from None
    return SharedConnector(
        record, connection, redact, transport, tuple(transport.proxy_passwords), cached
    )


class ConnectorCache:
    """Shared connectors by registered connector id, for the runs on one event loop."""

    def __init__(self, store: Store, reads: LoopReads | None = None) -> None:
        self._store = store
        self._reads = reads or LoopReads(store)
        self._stamps: dict[str, object] = {}
        """The ``updated`` value (as :class:`LoopReads` reads it) of each kept record."""
        self._entries: dict[str, SharedConnector] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._retired: list[SharedConnector] = []
        self._records: dict[str, ConnectorRecord] = {}

    def record(self, ref: str) -> ConnectorRecord | None:
        """The connector ``ref`` (id, else name) as the database has it now, None when there
        is none: one light read of its id and ``updated`` time; the whole record is read
        only when that version is not the one kept here."""
        version = self._reads.connector_version(ref)
        if version is None:
            self._records.pop(ref, None)
            self._stamps.pop(ref, None)
            gone = self._entries.pop(ref, None)  # deleted: its session closes when idle
            if gone is not None:
                self._retire(gone)
            return None
        connector_id, stamp = version
        kept = self._records.get(connector_id)
        if kept is not None and self._stamps.get(connector_id) == stamp:
            return kept
        try:
            fresh = self._store.connectors.get(connector_id)
        except NotInStore:  # deleted meanwhile
            return None
        self._records[connector_id] = fresh
        self._stamps[connector_id] = stamp
        return fresh

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Share transports among the runs on ``loop`` (the application's lifespan)."""
        self._loop = loop

    def _bound(self) -> bool:
        if self._loop is None:
            return False
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def acquire(self, record: ConnectorRecord) -> SharedConnector:
        """The shared connector of this version of ``record``, held until :meth:`release`."""
        if not self._bound():
            shared = build_shared(self._store, record, cached=False)
        else:
            kept = self._entries.get(record.id)
            if kept is not None and kept.record.updated >= record.updated:
                shared = kept  # this version, or one a later request has read already
            else:
                shared = build_shared(self._store, record, cached=True)
                if kept is not None:
                    self._retire(kept)
                self._entries[record.id] = shared
        shared.users += 1
        return shared

    def _retire(self, shared: SharedConnector) -> None:
        shared.stale = True
        self._retired.append(shared)

    def drop(self, shared: SharedConnector) -> None:
        """Let go of ``shared`` before any call was sent on it (nothing to close yet)."""
        shared.users -= 1

    async def release(self, shared: SharedConnector) -> None:
        """A run ended: close its transport if nothing else shares it, and retired entries
        nobody uses any more."""
        shared.users -= 1
        if not shared.cached:
            await shared.aclose()
        if self._retired:
            idle = [s for s in self._retired if s.users <= 0]
            self._retired = [s for s in self._retired if s.users > 0]
            for entry in idle:
                await entry.aclose()

    async def aclose(self) -> None:
        """Close every transport (the application's shutdown)."""
        entries = [*self._entries.values(), *self._retired]
        self._entries.clear()
        self._retired.clear()
        for entry in entries:
            await entry.aclose()

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, connector_id: str) -> SharedConnector | None:
        """The current entry of a connector, if any."""
        return self._entries.get(connector_id)
