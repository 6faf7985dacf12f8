from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_connector.store import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """A fresh SQLite store in a temporary data directory (its own key file)."""
    opened = Store.open(data_dir=data_dir, environ={})
    yield opened
    opened.close()
