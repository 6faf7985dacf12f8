"""Connectors from a TOML file, made (or brought up to date) at start; read-only via the API.

::

    [connectors.support-bot]
    description = "Support answers"
    provider = "azure"
    tags = ["prod"]
    allowed_operations = ["chat.create"]
    monthly_budget_usd = 200
    [connectors.support-bot.config]
    endpoint = "https://myres.openai.azure.com"
    default_model = "gpt-4o-mini"
    [connectors.support-bot.secrets]
    api_key = "{{secrets.AZURE_KEY}}"

The file is the host operator's, so settings that reach the host (a CA bundle path, a
client certificate, a token command) are allowed here. A connector that was preconfigured
and is no longer in the file is removed; a name already used by a connector made through the
API stops the start.
"""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..errors import ConfigError
from .connector_input import ConnectorIn, check_create
from .problems import ApiError, field_path

if TYPE_CHECKING:
    from pathlib import Path

    from ..store import Store

PRECONFIGURED_LOCK = 0x6F63_7072_6563  # "ocprec"
"""The PostgreSQL advisory lock held while the file's connectors are made: instances starting
together take turns (the later ones find them made)."""


def load_preconfigured(store: Store, path: Path) -> list[str]:
    """Make the file's connectors in ``store``; their names, in the file's order."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the preconfigured connectors: {exc}") from None
    entries = data.get("connectors", {})
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: 'connectors' must be a table of connectors by name")
    existing = {c.name: c for c in store.connectors.all()}
    for name, entry in entries.items():
        where = f"{path}: connectors.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table")
        try:
            change = check_create(ConnectorIn(name=name, **entry), trusted=True)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = field_path(tuple(first["loc"])) or "connector"
            raise ConfigError(f"{where}: {field}: {first['msg']}") from None
        except ApiError as exc:
            raise ConfigError(f"{where}: {exc.field}: {exc.message}") from None
        found = existing.get(name)
        if found is None:
            store.connectors.create(change.values, change.secrets)
        elif not found.preconfigured:
            raise ConfigError(
                f"{where}: a connector named {name!r} was made through the API",
                hint="rename one of them",
            )
        else:
            gone = {s: None for s in found.secret_names if s not in change.secrets}
            store.connectors.update(found.id, change.values, {**gone, **change.secrets})
    for name, record in existing.items():
        if record.preconfigured and name not in entries:
            store.connectors.delete(record.id)
    return list(entries)
