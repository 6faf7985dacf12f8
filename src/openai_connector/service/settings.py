"""The service's settings: where its database and data live and the limits it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    database_url: str | None = None
    """SQLAlchemy URL; None: SQLite in ``data_dir``."""
    data_dir: Path | None = None
    """None: the user's data directory (platformdirs)."""
    preconfigured: Path | None = None
    """A TOML file of connectors made at start and read-only through the API."""
    price_file: Path | None = None
    """A price table replacing the shipped one (same TOML shape)."""
    max_json_bytes: int = MEBIBYTE
    max_upload_bytes: int = 25 * MEBIBYTE
    max_inline_bytes: int = MEBIBYTE
    """Files a run produced up to this size come back inline (base64), larger ones as
    one-time downloads."""
    download_ttl: float = 600.0
    """Seconds a download stays offered."""
    shutdown_grace: float = 30.0
    """Seconds shutdown waits for runs (and streams) in flight to finish."""
    environ: Mapping[str, str] | None = field(default=None, repr=False)
    """Where ``OPENAI_CONNECTOR_ENCRYPTION_KEY`` is read; None: the process environment."""
