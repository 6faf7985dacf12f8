"""The two reads every run makes on the event loop, cheap: is the key still active, and
which version of the connector is current.

Both are asked of the database on every request (a revocation or an update made by any
process holds at once); what is kept between requests is only what cannot change without
them: a key's record by its text (a key's name, role, limit and default connector are
fixed when it is made; only ``revoked`` and ``last_used`` change). On SQLite each read is
one statement on a connection held for the purpose (no pool checkout, no SQLAlchemy
statement execution: about a tenth of their cost); on other databases (PostgreSQL) the
store's own reads are used.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import KeyRecord, Store

_KEPT_KEYS = 1024
"""Keys whose records are kept (all of them are forgotten when more come)."""


class LoopReads:
    """The store's key and connector-version reads for the request path."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys: dict[str, KeyRecord] = {}
        self._lock = threading.Lock()
        self._raw: Any = None
        self._sqlite = store.engine.dialect.name == "sqlite"

    def _cursor(self) -> Any:
        if self._raw is None:
            self._raw = self._store.engine.raw_connection()  # the store's pragmas applied
        return self._raw.cursor()

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:  # the connection is shared by the loops of the app (tests have several)
            cursor = self._cursor()
            try:
                cursor.execute(sql, params)
                return list(cursor.fetchall())  # read whole: no statement left open
            finally:
                cursor.close()

    def key(self, text: str) -> KeyRecord | None:
        """The active key's record, None for an unknown or revoked one (read every time)."""
        if not self._sqlite:
            return self._store.keys.lookup(text)
        kept = self._keys.get(text)
        if kept is None:
            record = self._store.keys.lookup(text)
            if record is not None:
                if len(self._keys) >= _KEPT_KEYS:
                    self._keys.clear()
                self._keys[text] = record
            return record
        rows = self._rows("SELECT revoked FROM api_keys WHERE id = ?", (kept.id,))
        if not rows or rows[0][0] is not None:
            self._keys.pop(text, None)
            return None
        return kept

    def touched(self, text: str, record: KeyRecord) -> None:
        """Keep the record with its new ``last_used`` (so that it is not written again)."""
        if text in self._keys:
            self._keys[text] = record

    def connector_version(self, ref: str) -> tuple[str, Any] | None:
        """The id of the connector ``ref`` (id, else name) and its ``updated`` value as the
        database holds it (compare it only with another value from here); None: no such
        connector. The store's ``version`` on databases other than SQLite."""
        if not self._sqlite:
            return self._store.connectors.version(ref)
        rows = self._rows("SELECT id, updated FROM connectors WHERE id = ? OR name = ?", (ref, ref))
        found = {row[0]: row[1] for row in rows}
        chosen = ref if ref in found else next(iter(found), None)
        if chosen is None:
            return None
        return chosen, found[chosen]

    def close(self) -> None:
        with self._lock:
            if self._raw is not None:
                self._raw.close()
                self._raw = None
