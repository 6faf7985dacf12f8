"""The service's API keys: made, listed, revoked, and checked on every request."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from . import api_keys
from .models import ApiKeyRow
from .records import DuplicateName, KeyRecord, NotInStore, as_utc, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine

LAST_USED_PRECISION = timedelta(seconds=30)
"""``last_used`` is written at most this often per key (no write on every request)."""


def _record(row: ApiKeyRow) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        name=row.name,
        role=row.role,
        prefix=row.prefix,
        created=as_utc(row.created) or utcnow(),
        last_used=as_utc(row.last_used),
        revoked=as_utc(row.revoked),
        rate_limit_per_minute=row.rate_limit_per_minute,
        default_connector=row.default_connector,
    )


class KeyStore:
    def __init__(self, engine: Engine) -> None:
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._engine = engine

    def create(
        self,
        name: str,
        role: str,
        *,
        rate_limit_per_minute: int | None = None,
        default_connector: str | None = None,
    ) -> tuple[KeyRecord, str]:
        """A new key: its record and the key itself (shown once, never stored)."""
        if role not in api_keys.ROLES:
            raise ValueError(f"role must be one of {', '.join(api_keys.ROLES)}")
        key = api_keys.new_key()
        row = ApiKeyRow(
            name=name,
            role=role,
            prefix=api_keys.shown_prefix(key),
            key_hash=api_keys.hash_key(key),
            created=utcnow(),
            rate_limit_per_minute=rate_limit_per_minute,
            default_connector=default_connector,
        )
        with self._sessions() as session:
            if session.scalars(select(ApiKeyRow.id).where(ApiKeyRow.name == name)).first():
                raise DuplicateName(f"a key named {name!r} exists", field="name")
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise DuplicateName(f"a key named {name!r} exists", field="name") from None
            return _record(row), key

    def create_first_admin(self, name: str = "admin") -> tuple[KeyRecord, str] | None:
        """An admin key when the database holds no active key, else None; made once however
        many instances start together. Named ``name``, or ``name-2``, ... when revoked keys
        hold the name. No lock needed: an instance makes the key only by inserting a name
        no other holds, and one that finds its name taken looks again for an active key."""
        taken = {k.name for k in self.all()}
        for number in itertools.count(1):
            if self.count_active():
                return None
            chosen = name if number == 1 else f"{name}-{number}"
            if chosen in taken:
                continue
            try:
                return self.create(chosen, "admin")
            except DuplicateName:
                continue  # made a moment ago: by another instance when it is active
        raise AssertionError("unreachable")

    def all(self) -> list[KeyRecord]:
        with self._sessions() as session:
            return [_record(r) for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def count_active(self) -> int:
        with self._sessions() as session:
            query = select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked.is_(None))
            return int(session.scalar(query) or 0)

    def revoke(self, name: str) -> KeyRecord:
        """Revoke at once: the next request with this key is refused."""
        with self._sessions() as session:
            row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.name == name)).first()
            if row is None:
                raise NotInStore(f"no key named {name!r}", field="name")
            if row.revoked is None:
                row.revoked = utcnow()
                session.commit()
            return _record(row)

    def authenticate(self, key: str) -> KeyRecord | None:
        """The active key's record, or None for an unknown, malformed or revoked key (its
        ``last_used`` written when due)."""
        found = self.lookup(key)
        return found if found is None or not self.touch_due(found) else self.touch(found)

    def lookup(self, key: str) -> KeyRecord | None:
        """The active key's record, or None for an unknown, malformed or revoked key: one
        read, nothing written (the database is asked every time: a revocation holds at
        once, whichever process made it)."""
        if not key.startswith(api_keys.KEY_PREFIX) or len(key) > 200:
            return None
        with self._engine.connect() as connection:
            rows = connection.execute(_BY_PREFIX, {"prefix": api_keys.shown_prefix(key)}).all()
        found = next((row for row in rows if api_keys.matches(key, row.key_hash)), None)
        if found is None or found.revoked is not None:
            return None
        return KeyRecord(
            id=found.id,
            name=found.name,
            role=found.role,
            prefix=found.prefix,
            created=as_utc(found.created) or utcnow(),
            last_used=as_utc(found.last_used),
            revoked=None,
            rate_limit_per_minute=found.rate_limit_per_minute,
            default_connector=found.default_connector,
        )

    @staticmethod
    def touch_due(record: KeyRecord) -> bool:
        """Whether ``last_used`` is older than :data:`LAST_USED_PRECISION` (or unset)."""
        last = record.last_used
        return last is None or utcnow() - last >= LAST_USED_PRECISION

    def touch(self, record: KeyRecord) -> KeyRecord:
        """Write ``last_used`` = now; the record with it."""
        now = utcnow()
        with self._sessions() as session:
            query = update(ApiKeyRow).where(ApiKeyRow.id == record.id).values(last_used=now)
            session.execute(query)
            session.commit()
        return replace(record, last_used=now)


_KEY_COLUMNS = (
    ApiKeyRow.id,
    ApiKeyRow.name,
    ApiKeyRow.role,
    ApiKeyRow.prefix,
    ApiKeyRow.key_hash,
    ApiKeyRow.created,
    ApiKeyRow.last_used,
    ApiKeyRow.revoked,
    ApiKeyRow.rate_limit_per_minute,
    ApiKeyRow.default_connector,
)
_BY_PREFIX = select(*_KEY_COLUMNS).where(ApiKeyRow.prefix == bindparam("prefix"))
"""Made once: SQLAlchemy reuses its compiled form (no statement built per request)."""
