"""Per-key request counts that every instance on the database shares.

A key's window starts at its first request (after the previous window ended) and lasts
``WINDOW`` seconds; one atomic statement (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
on SQLite and PostgreSQL alike) starts or counts up the window and returns it, so instances
admitting calls at the same moment never both take the last slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import case

from .database import upsert
from .models import RateWindowRow

if TYPE_CHECKING:
    from sqlalchemy import Engine

WINDOW = 60.0
"""Seconds of a rate window (limits are per minute)."""


class RateWindows:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = upsert(engine)

    def hit(self, key_id: int, now: float) -> tuple[float, int]:
        """Count one request of the key at ``now`` (epoch seconds): the start of its current
        window and the requests in it, this one included."""
        table = RateWindowRow.__table__
        new = self._insert(table).values(key_id=key_id, window_start=now, count=1)
        ended = table.c.window_start <= now - WINDOW
        statement = new.on_conflict_do_update(
            index_elements=[table.c.key_id],
            set_={
                "window_start": case(
                    (ended, new.excluded.window_start), else_=table.c.window_start
                ),
                "count": case((ended, 1), else_=table.c.count + 1),
            },
        ).returning(table.c.window_start, table.c.count)
        with self._engine.begin() as connection:
            start, count = connection.execute(statement).one()
        return float(start), int(count)
