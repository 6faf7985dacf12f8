"""What the store wrote to disk, for tests that look at the bytes."""

from __future__ import annotations

from pathlib import Path


def database_bytes(data_dir: Path) -> bytes:
    """Every byte SQLite wrote: the database file and its WAL/journal files."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("service.db*")))
