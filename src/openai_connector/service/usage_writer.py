"""Usage rows written off the event loop, none lost at shutdown.

A run's observer is called on the event loop for each exchange: it only builds the row and
hands it to :class:`UsageWriter`, whose one worker thread writes the rows in the order they
came (rows queued while it writes go together, in one transaction). A run waits (without
holding the loop) for its rows before it answers, so that the next call's budget check sees
their cost; shutdown waits for every row still queued
(:meth:`UsageWriter.close`). A row that cannot be written (the database down) is logged and
counted, and never fails the call.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..store import Store, UsageRecord

log = logging.getLogger("openai_connector.service.usage")


class UsageWriter:
    """The queue of usage rows of one app and the thread that writes them.

    Rows queued while the thread is writing are written together, in one statement and one
    transaction (a group commit): under load, one commit serves many runs."""

    def __init__(self, store: Store, on_lost: Callable[[int], None] | None = None) -> None:
        self._store = store
        self._on_lost = on_lost
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-writer")
        self._lock = threading.Lock()
        self._pending: list[tuple[tuple[UsageRecord, ...], Future[None]]] = []

    def submit(self, rows: Sequence[UsageRecord]) -> Future[None] | None:
        """Queue rows (returns at once; None when there is nothing to wait for)."""
        if not rows:
            return None
        future: Future[None] = Future()
        with self._lock:
            self._pending.append((tuple(rows), future))
            first = len(self._pending) == 1
        if first:
            try:
                self._pool.submit(self._drain)
            except RuntimeError:  # closed: written here rather than lost
                self._drain()
        return future

    async def wait(self, futures: Sequence[Future[None] | None]) -> None:
        """Wait, without holding the event loop, until these rows are written (or lost)."""
        pending = [asyncio.wrap_future(f) for f in futures if f is not None and not f.done()]
        if pending:
            await asyncio.wait(pending)

    def close(self) -> None:
        """Write every queued row, then stop the thread (blocks: call it off the loop)."""
        self._pool.shutdown(wait=True)
        self._drain()

    def _drain(self) -> None:
        """Write every row queued so far in one go; tell each run its rows are done."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        self._write(tuple(row for rows, _ in batch for row in rows))
        for _, future in batch:
            future.set_result(None)

    def _write(self, rows: tuple[UsageRecord, ...]) -> None:
        try:
            self._store.usage.record(*rows)
        except Exception as exc:  # a usage row never fails the call it records
            reason = (str(exc).splitlines() or [""])[0][:200]
            log.error("usage: %d row(s) not written: %s: %s", len(rows), type(exc).__name__, reason)
            if self._on_lost is not None:
                self._on_lost(len(rows))
