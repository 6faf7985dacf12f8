"""The options that point a command at the service's database, and opening it.

``--database-url`` (or ``OPENAI_CONNECTOR_DATABASE_URL``) and ``--data-dir`` (or
``OPENAI_CONNECTOR_DATA_DIR``); by default SQLite in the user's data directory, the one
``openai-connector serve`` uses. Failing to open it is a user error (exit 2).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..store import Store

DATABASE_URL_ENV = "OPENAI_CONNECTOR_DATABASE_URL"
DATA_DIR_ENV = "OPENAI_CONNECTOR_DATA_DIR"


def database_options(function: Any) -> Any:
    function = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=DATA_DIR_ENV,
        help="Folder of the SQLite database and the encryption key file "
        "(default: the user's data directory).",
    )(function)
    return click.option(
        "--database-url",
        metavar="URL",
        envvar=DATABASE_URL_ENV,
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in "
        "the data directory).",
    )(function)


def fail(message: str, hint: str | None = None) -> None:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
    raise click.exceptions.Exit(2)


@contextmanager
def opened_store(database_url: str | None, data_dir: Path | None) -> Iterator[Store]:
    """The store, migrated; its failures become messages and exit 2."""
    try:
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    except ImportError:
        fail(
            "the service's database needs the 'service' extra",
            "pip install 'openai-connector[service]'",
        )
    from ..connection import mask_url_password
    from ..errors import ConnectorError
    from ..store import Store, StoreError

    try:
        store = Store.open(database_url, data_dir)
    except ConnectorError as exc:
        fail(exc.message, exc.hint)
    except (ArgumentError, SQLAlchemyError, ModuleNotFoundError) as exc:
        where = mask_url_password(database_url) if database_url else "the default database"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(f"cannot open {where}: {reason}")
    try:
        yield store
    except StoreError as exc:
        fail(exc.message)
    finally:
        store.close()
