from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from service_app import Service, start
from service_client import ServiceClient


@pytest.fixture
def service(tmp_path: Path, database: str | None) -> Iterator[Service]:
    """The real application on a fresh database, with an admin key: SQLite, or PostgreSQL
    too for tests marked ``databases("sqlite", "postgresql")``."""
    data_dir = tmp_path / "data"
    store, client = start(data_dir, database_url=database)
    _, key = store.keys.create("admin", "admin")
    with client:
        yield Service(store, ServiceClient(client, key), data_dir)
    store.close()
