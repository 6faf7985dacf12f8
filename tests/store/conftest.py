from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_connector.store import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path, database: str | None) -> Iterator[Store]:
    """A fresh store in a temporary data directory (its own key file): SQLite there, or an
    empty PostgreSQL database for tests marked ``databases("sqlite", "postgresql")``."""
    opened = Store.open(database, data_dir=data_dir, environ={})
    yield opened
    opened.close()
