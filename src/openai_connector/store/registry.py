"""The connector registry: connectors, their encrypted secrets, and the service's named secrets."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError

from .key_fingerprint import record_sealing_key
from .models import ConnectorRow, SecretRow
from .records import (
    ConnectionTestRecord,
    ConnectorRecord,
    DuplicateName,
    NotInStore,
    as_utc,
    utcnow,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from .encryption import SecretCipher

FIELDS = (
    "name",
    "description",
    "provider",
    "config",
    "allowed_operations",
    "tags",
    "preconfigured",
    "monthly_budget_usd",
    "log_content",
)


def _record(row: ConnectorRow, secret_names: list[str]) -> ConnectorRecord:
    return ConnectorRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        provider=row.provider,
        config=dict(row.config),
        allowed_operations=None if row.allowed_operations is None else list(row.allowed_operations),
        tags=list(row.tags),
        preconfigured=row.preconfigured,
        monthly_budget_usd=row.monthly_budget_usd,
        created=as_utc(row.created) or utcnow(),
        updated=as_utc(row.updated) or utcnow(),
        secret_names=tuple(sorted(secret_names)),
        log_content=bool(row.log_content),
        last_test=_last_test(row),
    )


def _last_test(row: ConnectorRow) -> ConnectionTestRecord | None:
    when = as_utc(row.last_test_time)
    if when is None or not isinstance(row.last_test, dict):
        return None
    steps = row.last_test.get("steps")
    return ConnectionTestRecord(
        ok=bool(row.last_test.get("ok")),
        time=when,
        steps=[dict(s) for s in steps if isinstance(s, dict)] if isinstance(steps, list) else [],
    )


class ConnectorRegistry:
    def __init__(self, engine: Engine, cipher: SecretCipher) -> None:
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._engine = engine
        self._cipher = cipher

    # ------------------------------------------------------------ connectors

    def _secret_names(self, session: Session, connector_id: str) -> list[str]:
        query = select(SecretRow.name).where(SecretRow.connector_id == connector_id)
        return list(session.scalars(query))

    def _row(self, session: Session, ref: str) -> ConnectorRow:
        row = session.get(ConnectorRow, ref)
        if row is None:
            row = session.scalars(select(ConnectorRow).where(ConnectorRow.name == ref)).first()
        if row is None:
            raise NotInStore(f"no connector {ref!r}", field="connector")
        return row

    def create(
        self, values: Mapping[str, Any], secrets: Mapping[str, str | None] | None = None
    ) -> ConnectorRecord:
        now = utcnow()
        row = ConnectorRow(id=str(uuid.uuid4()), created=now, updated=now)
        for name in FIELDS:
            setattr(row, name, values.get(name, _DEFAULTS.get(name)))
        with self._sessions() as session:
            if session.scalars(
                select(ConnectorRow.id).where(ConnectorRow.name == row.name)
            ).first():
                raise DuplicateName(f"a connector named {row.name!r} exists", field="name")
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise DuplicateName(
                    f"a connector named {row.name!r} exists", field="name"
                ) from None
            self._put_secrets(session, row.id, secrets or {})
            session.commit()
            return _record(row, self._secret_names(session, row.id))

    def all(self) -> list[ConnectorRecord]:
        with self._sessions() as session:
            rows = list(session.scalars(select(ConnectorRow).order_by(ConnectorRow.name)))
            names: dict[str, list[str]] = {}
            for connector_id, name in session.execute(
                select(SecretRow.connector_id, SecretRow.name).where(
                    SecretRow.connector_id.is_not(None)
                )
            ):
                names.setdefault(str(connector_id), []).append(name)
            return [_record(row, names.get(row.id, [])) for row in rows]

    def get(self, ref: str) -> ConnectorRecord:
        """By id, else by name."""
        with self._sessions() as session:
            row = self._row(session, ref)
            return _record(row, self._secret_names(session, row.id))

    def version(self, ref: str) -> tuple[str, datetime] | None:
        """The id and ``updated`` time of a connector by id, else by name (None: there is
        none): one light query, for the run path's check that its cached copy is current."""
        with self._engine.connect() as connection:
            found = {row[0]: row[1] for row in connection.execute(_VERSION, {"ref": ref})}
        chosen = ref if ref in found else next(iter(found), None)
        if chosen is None:
            return None
        return chosen, as_utc(found[chosen]) or utcnow()

    def update(
        self,
        ref: str,
        values: Mapping[str, Any],
        secrets: Mapping[str, str | None] | None = None,
    ) -> ConnectorRecord:
        """Change the given fields; a secret given as None is removed, others replaced."""
        with self._sessions() as session:
            row = self._row(session, ref)
            new_name = values.get("name")
            if new_name is not None and new_name != row.name:
                taken = select(ConnectorRow.id).where(ConnectorRow.name == new_name)
                if session.scalars(taken).first():
                    raise DuplicateName(f"a connector named {new_name!r} exists", field="name")
            for name in FIELDS:
                if name in values:
                    setattr(row, name, values[name])
            row.updated = utcnow()
            self._put_secrets(session, row.id, secrets or {})
            try:
                session.commit()
            except IntegrityError:
                raise DuplicateName(
                    f"a connector named {new_name!r} exists", field="name"
                ) from None
            return _record(row, self._secret_names(session, row.id))

    def record_test(
        self,
        ref: str,
        ok: bool,
        steps: Sequence[Mapping[str, Any]],
        time: datetime | None = None,
    ) -> ConnectorRecord:
        """Keep the outcome of a connection test as the connector's last one (its
        ``updated`` time stays: a test changes no setting)."""
        with self._sessions() as session:
            row = self._row(session, ref)
            row.last_test_time = time or utcnow()
            row.last_test = {"ok": ok, "steps": [dict(s) for s in steps]}
            session.commit()
            return _record(row, self._secret_names(session, row.id))

    def delete(self, ref: str) -> None:
        with self._sessions() as session:
            row = self._row(session, ref)
            session.execute(delete(SecretRow).where(SecretRow.connector_id == row.id))
            session.delete(row)
            session.commit()

    # --------------------------------------------------------------- secrets

    def _put_secrets(
        self, session: Session, connector_id: str | None, secrets: Mapping[str, str | None]
    ) -> None:
        if any(value is not None for value in secrets.values()):
            record_sealing_key(session, self._cipher)
        for name, value in secrets.items():
            where = SecretRow.name == name
            where &= (
                SecretRow.connector_id.is_(None)
                if connector_id is None
                else SecretRow.connector_id == connector_id
            )
            session.execute(delete(SecretRow).where(where))
            if value is not None:
                session.add(
                    SecretRow(
                        connector_id=connector_id,
                        name=name,
                        ciphertext=self._cipher.encrypt(value),
                        updated=utcnow(),
                    )
                )

    def connector_secrets(self, ref: str) -> dict[str, str]:
        """The decrypted secret values of one connector (for the run path only)."""
        with self._sessions() as session:
            row = self._row(session, ref)
            query = select(SecretRow).where(SecretRow.connector_id == row.id)
            return {s.name: self._cipher.decrypt(s.ciphertext) for s in session.scalars(query)}

    def set_named_secret(self, name: str, value: str | None) -> None:
        """A secret of the service's own store (what ``{{secrets.NAME}}`` resolves from)."""
        with self._sessions() as session:
            self._put_secrets(session, None, {name: value})
            session.commit()

    def named_secret(self, name: str) -> str | None:
        with self._sessions() as session:
            query = select(SecretRow).where(
                SecretRow.connector_id.is_(None), SecretRow.name == name
            )
            row = session.scalars(query).first()
            return None if row is None else self._cipher.decrypt(row.ciphertext)

    def named_secret_names(self) -> list[str]:
        with self._sessions() as session:
            query = select(SecretRow.name).where(SecretRow.connector_id.is_(None))
            return sorted(session.scalars(query))


_VERSION = select(ConnectorRow.id, ConnectorRow.updated).where(
    or_(ConnectorRow.id == bindparam("ref"), ConnectorRow.name == bindparam("ref"))
)
"""Made once: SQLAlchemy reuses its compiled form (no statement built per request)."""

_DEFAULTS: dict[str, Any] = {
    "description": "",
    "config": {},
    "allowed_operations": None,
    "tags": [],
    "preconfigured": False,
    "monthly_budget_usd": None,
    "log_content": False,
}


class StoredSecrets:
    """The service's own secret store as a secret source (``get``/``describe``), for the
    trust policy of the run path: references resolve here, never from the environment."""

    def __init__(self, registry: ConnectorRegistry) -> None:
        self._registry = registry

    def get(self, name: str) -> str | None:
        return self._registry.named_secret(name)

    def describe(self) -> str:
        return "the service's secret store"
