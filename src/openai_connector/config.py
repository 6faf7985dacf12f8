"""Where a connection's settings come from, in order of precedence:

1. explicit arguments (CLI flags),
2. a named profile in a TOML config file (``--config``; default
   ``<user config dir>/openai-connector/config.toml`` or ``$OPENAI_CONNECTOR_CONFIG``),
3. the environment variables the official SDKs read.

A config file looks like::

    default_connection = "work"

    [secrets]                      # where {{secrets.NAME}} is looked up after the environment
    file = "~/.config/openai-connector/secrets.env"
    directory = "/run/secrets"

    [connections.work]
    provider = "azure"
    endpoint = "https://my-resource.openai.azure.com"
    api_key = "{{secrets.AZURE_OPENAI_KEY}}"
    default_model = "gpt-4o-mini"
    [connections.work.retry]
    max_retries = 4
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .connection import Connection
from .constants import CONFIG_DIR_NAME, CONFIG_FILE_NAME
from .errors import ConfigError, ConnectorWarning
from .secrets import SecretStore, has_reference

OPENAI_ENV = {
    "OPENAI_API_KEY": "api_key",
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_ORG_ID": "organization",
    "OPENAI_PROJECT_ID": "project",
}
AZURE_ENV = {
    "AZURE_OPENAI_API_KEY": "api_key",
    "AZURE_OPENAI_ENDPOINT": "endpoint",
    "OPENAI_API_VERSION": "api_version",
    "AZURE_OPENAI_AD_TOKEN": "azure_ad_token",
}
COMMON_ENV = {
    "OPENAI_CONNECTOR_DEFAULT_MODEL": "default_model",
}
"""Read for every provider (on Azure the default model is a deployment name)."""
NESTED = ("retry", "timeout", "network")


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("OPENAI_CONNECTOR_CONFIG"):
        return Path(environ["OPENAI_CONNECTOR_CONFIG"]).expanduser()
    import platformdirs

    return platformdirs.user_config_path(CONFIG_DIR_NAME) / CONFIG_FILE_NAME


@dataclass
class ConfigFile:
    path: Path | None = None
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_connection: str | None = None
    secrets_file: str | None = None
    secrets_directory: str | None = None

    def secret_store(self, environ: Mapping[str, str] | None = None) -> SecretStore:
        return SecretStore(
            environ=environ, file=self.secrets_file, directory=self.secrets_directory
        )


def load_config(
    path: str | Path | None = None,
    *,
    required: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ConfigFile:
    """Read a config file; a missing default file is an empty config."""
    file = Path(path).expanduser() if path else default_config_path(environ)
    if not file.exists():
        if required or path:
            raise ConfigError(f"config file {file} does not exist", hint="check --config")
        return ConfigFile()
    if file.is_dir():
        raise ConfigError(f"config file {file} is a directory, not a TOML file")
    import tomllib  # only when there is a file to read (start-up of every command)

    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # its message says where: (at line 3, column 7)
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {file} is not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise ConfigError(f"config file {file} cannot be read: {exc.strerror or exc}") from None
    connections = data.get("connections", {})
    secrets = data.get("secrets", {})
    if not isinstance(connections, dict) or not all(
        isinstance(v, dict) for v in connections.values()
    ):
        raise ConfigError(f"config file {file}: [connections.NAME] tables expected")
    if not isinstance(secrets, dict) or not all(
        isinstance(secrets.get(key), str | None) for key in ("file", "directory")
    ):
        raise ConfigError(
            f"config file {file}: secrets: a [secrets] table expected, with file and "
            "directory as text"
        )
    default = data.get("default_connection")
    if default is not None and not isinstance(default, str):
        raise ConfigError(f"config file {file}: default_connection: a connection name expected")
    for name, settings in connections.items():
        for key in ("api_key", "azure_ad_token"):
            value = settings.get(key)
            if isinstance(value, str) and value and not has_reference(value):
                warnings.warn(
                    f"{file}: connection {name!r} holds {key} in plain text; prefer "
                    f'{key} = "{{{{secrets.NAME}}}}" with the value in the environment, a '
                    "secrets file or a secrets directory",
                    ConnectorWarning,
                    stacklevel=2,
                )
    return ConfigFile(
        path=file,
        connections=connections,
        default_connection=default,
        secrets_file=secrets.get("file"),
        secrets_directory=secrets.get("directory"),
    )


def _from_environment(environ: Mapping[str, str], provider: str) -> dict[str, Any]:
    table = {**(AZURE_ENV if provider == "azure" else OPENAI_ENV), **COMMON_ENV}
    return {key: environ[name] for name, key in table.items() if environ.get(name)}


def guess_provider(environ: Mapping[str, str]) -> str:
    """azure when only the Azure variables are set, else openai."""
    azure = any(
        environ.get(name)
        for name in ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_AD_TOKEN")
    )
    openai = any(environ.get(name) for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"))
    return "azure" if azure and not openai else "openai"


def build_connection(
    overrides: Mapping[str, Any] | None = None,
    *,
    profile: str | None = None,
    config: ConfigFile | None = None,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """A connection from explicit values, then the profile, then the environment."""
    environ = os.environ if environ is None else environ
    config = config or ConfigFile()
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    name = profile or config.default_connection
    settings: dict[str, Any] = {}
    if name is not None:
        if name not in config.connections:
            where = config.path or "no config file"
            known = ", ".join(sorted(config.connections)) or "none"
            raise ConfigError(
                f"connection {name!r} is not defined in {where}",
                hint=f"defined connections: {known}",
            )
        settings = dict(config.connections[name])
    provider = overrides.get("provider") or settings.get("provider") or guess_provider(environ)
    merged: dict[str, Any] = {**_from_environment(environ, provider), **settings}
    for key, value in overrides.items():
        if key in NESTED and isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    merged["provider"] = provider
    return Connection.from_settings(merged)
