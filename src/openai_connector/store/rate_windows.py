"""Per-key request counts that every instance on the database shares.

A key's window starts at its first request (after the previous window ended) and lasts
``WINDOW`` seconds; one atomic statement (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
on SQLite and PostgreSQL alike) starts or counts up the window and returns it, so instances
admitting calls at the same moment never both take the last slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Float, bindparam, case

from .database import upsert
from .models import RateWindowRow

if TYPE_CHECKING:
    from sqlalchemy import Engine

WINDOW = 60.0
"""Seconds of a rate window (limits are per minute)."""


class RateWindows:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        table = RateWindowRow.__table__
        started = table.c.window_start
        now = bindparam("now", type_=Float)
        new = upsert(engine)(table).values(key_id=bindparam("key_id"), window_start=now, count=1)
        ended = started <= now - WINDOW
        self._hit = new.on_conflict_do_update(
            index_elements=[table.c.key_id],
            set_={
                "window_start": case((ended, new.excluded.window_start), else_=started),
                "count": case((ended, 1), else_=table.c.count + 1),
            },
        ).returning(started, table.c.count)
        """Built once: a call only binds the key and the time."""

    def hit(self, key_id: int, now: float) -> tuple[float, int]:
        """Count one request of the key at ``now`` (epoch seconds): the start of its current
        window and the requests in it, this one included."""
        with self._engine.begin() as connection:
            start, count = connection.execute(self._hit, {"key_id": key_id, "now": now}).one()
        return float(start), int(count)
