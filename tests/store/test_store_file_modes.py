"""The default SQLite store is kept from other local users: its data directory 0700, the
database and its -wal/-shm files 0600, whatever the umask; an older readable file narrowed."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_connector.store import Store, UsageRecord


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone (the usual 022)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_a_new_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "share" / "openai-connector"
    store = Store.open(data_dir=data_dir, environ={})
    try:
        store.usage.record(UsageRecord(operation="chat.create", model="gpt-4o-mini"))
        files = {p.name: mode(p) for p in data_dir.iterdir()}
        assert mode(data_dir) == 0o700
        assert {"service.db", "service.db-wal", "service.db-shm", "encryption.key"} <= set(files)
        assert set(files.values()) == {0o600}, files
    finally:
        store.close()


@pytest.mark.usefixtures("open_umask")
def test_an_older_readable_database_is_narrowed(tmp_path: Path) -> None:
    Store.open(data_dir=tmp_path, environ={}).close()
    database = tmp_path / "service.db"
    database.chmod(0o644)
    Store.open(data_dir=tmp_path, environ={}).close()
    assert mode(database) == 0o600
