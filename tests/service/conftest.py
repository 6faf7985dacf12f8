from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from service_app import Service, start
from service_client import ServiceClient


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """The real application on a fresh SQLite database, with an admin key."""
    data_dir = tmp_path / "data"
    store, client = start(data_dir)
    _, key = store.keys.create("admin", "admin")
    with client:
        yield Service(store, ServiceClient(client, key), data_dir)
    store.close()
