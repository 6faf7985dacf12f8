"""The service's database: connector registry, encrypted secrets, API keys, usage log.

SQLAlchemy 2 on SQLite by default or PostgreSQL; numbered, append-only Alembic migrations
run when a :class:`Store` opens. Heavy imports happen here, so import this package only
where the database is needed (never from ``openai_connector`` itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .encryption import SecretCipher, load_key
from .key_store import KeyStore
from .prices import PriceTable, cost
from .rate_windows import RateWindows
from .records import (
    ConnectionTestRecord,
    ConnectorRecord,
    DuplicateName,
    KeyRecord,
    NotInStore,
    StoreError,
    UsageRecord,
)
from .registry import ConnectorRegistry, StoredSecrets
from .usage_log import UsageLog, to_csv

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Engine

__all__ = [
    "ConnectionTestRecord",
    "ConnectorRecord",
    "ConnectorRegistry",
    "DuplicateName",
    "KeyRecord",
    "KeyStore",
    "NotInStore",
    "PriceTable",
    "RateWindows",
    "SecretCipher",
    "Store",
    "StoreError",
    "StoredSecrets",
    "UsageLog",
    "UsageRecord",
    "cost",
    "to_csv",
]


@dataclass
class Store:
    """The database opened and migrated: its registry, keys and usage log."""

    engine: Engine
    connectors: ConnectorRegistry
    keys: KeyStore
    usage: UsageLog
    data_dir: Path
    rates: RateWindows

    @classmethod
    def open(
        cls,
        url: str | None = None,
        data_dir: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Store:
        """Open (and migrate) the database at ``url`` (default: SQLite in ``data_dir``).

        A ConfigError when the database's secrets were sealed with another encryption key
        (instances sharing a database must share the key)."""
        from .database import default_data_dir, make_engine, private_sqlite_url, upgrade
        from .key_fingerprint import check_sealing_key

        folder = data_dir or default_data_dir()
        engine = make_engine(url or private_sqlite_url(folder))
        try:
            upgrade(engine)
            cipher = SecretCipher(load_key(folder, environ))
            check_sealing_key(engine, cipher)
        except BaseException:
            engine.dispose()
            raise
        return cls(
            engine=engine,
            connectors=ConnectorRegistry(engine, cipher),
            keys=KeyStore(engine),
            usage=UsageLog(engine),
            data_dir=folder,
            rates=RateWindows(engine),
        )

    def secret_source(self) -> StoredSecrets:
        """The service's own secret store, for the trust policy of the run path."""
        return StoredSecrets(self.connectors)

    def reachable(self) -> bool:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()
