"""Where the database is, the engine to it, and bringing its schema up to date.

SQLite in the user's data directory by default; any SQLAlchemy URL otherwise
(``postgresql+psycopg://user@host/db``). The migrations run at start through Alembic's API.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

APP_NAME = "openai-connector"
DATABASE_FILE = "service.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6F63_6D69_6772  # "ocmigr"
"""The PostgreSQL advisory lock held while migrating: instances starting together on an
empty database migrate one after the other (the later ones find it up to date)."""


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DATABASE_FILE}"


def private_sqlite_url(data_dir: Path) -> str:
    """The default SQLite database's URL, its folder and file kept from other local users.

    The data directory is made 0700, and ``service.db`` 0600 before SQLite opens it (SQLite
    gives its ``-wal`` and ``-shm`` files the database file's mode): they hold hashed keys,
    encrypted secrets and the usage log. Files an older version left readable by others are
    narrowed to their owner."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    database = data_dir / DATABASE_FILE
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    for path in (database, data_dir / f"{DATABASE_FILE}-wal", data_dir / f"{DATABASE_FILE}-shm"):
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & 0o077:
            path.chmod(mode & 0o700)
    return default_url(data_dir)


def make_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit does not wait for fsync (5 ms on a busy disk, on every
            # call's usage row); the database stays consistent, and only the last commits
            # before a power failure (not a crash of the process) can be lost.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        # Days of the usage log are UTC days, whatever the server's own time zone.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c timezone=UTC"})
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def held_lock(engine: Engine, lock: int) -> Iterator[None]:
    """A PostgreSQL advisory lock held for the block (instances on one database take turns);
    nothing on SQLite, whose writes are serialised anyway."""
    if engine.dialect.name != "postgresql":
        yield
        return
    from sqlalchemy import text

    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:lock)"), {"lock": lock})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:lock)"), {"lock": lock})
            connection.commit()


def upsert(bind: Engine | Connection) -> Any:
    """The dialect's ``insert`` that has ``on_conflict_do_update``/``_nothing`` (SQLite and
    PostgreSQL spell ``INSERT ... ON CONFLICT`` alike)."""
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (append-only, numbered); on PostgreSQL under
    an advisory lock held until the migrations are committed."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
