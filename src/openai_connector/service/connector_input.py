"""What a client may send to make or change a connector, checked before anything is stored.

A connector's settings are split in two: ``config`` (every :class:`~..connection.Connection`
setting but the credentials; stored as JSON, shown back) and ``secrets`` (``api_key``,
``azure_ad_token`` and ``headers.NAME``; write-only). A secret given as a value is encrypted
at rest; one given as a ``{{secrets.NAME}}`` reference is kept as written and resolved at run
time from the service's own secret store. Credentials placed in ``config`` are refused, so a
value can never come back in a response.

Through the API (remote callers), settings that reach the host are refused: a token command,
CA bundle or client certificate paths. They may be set in the preconfigured file, which the
host's operator writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..connection import (
    CREDENTIAL_FIELDS,
    URL_FIELDS,
    Connection,
    Provider,
    is_credential_header,
    split_userinfo,
)
from ..errors import ConfigError
from ..secrets import has_reference
from ..store import ConnectorRecord
from .problems import ApiError, field_path

HEADER_SECRET = "headers."
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLACEHOLDER = "{{secrets.stored}}"
HOST_FEATURES = {
    ("azure_ad_token_command",): "runs a command on the service's host",
    ("network", "client_cert"): "reads a file on the service's host",
    ("network", "client_key"): "reads a file on the service's host",
}


class ConnectorIn(BaseModel):
    """A connector to make."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    provider: Provider = "openai"
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="Connection settings: base_url, endpoint, api_version, default_model, "
        "organization, project, headers, query, timeout, retry, network.",
    )
    secrets: dict[str, str | None] = Field(
        default_factory=dict,
        description="Write-only: api_key, azure_ad_token, headers.NAME; a value or a "
        "'{{secrets.NAME}}' reference to the service's secret store.",
    )
    allowed_operations: list[str] | None = Field(None, description="None: every operation.")
    tags: list[str] = Field(default_factory=list, max_length=50)
    monthly_budget_usd: float | None = Field(None, ge=0)
    log_content: bool = Field(
        False, description="Keep prompts and outputs (redacted) in the usage rows."
    )


class ConnectorPatch(BaseModel):
    """Changes to a connector: only the fields given change. In ``config`` a key set to
    null is removed; in ``secrets`` a value replaces (rotates) the secret, null removes it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    provider: Provider | None = None
    config: dict[str, Any] | None = None
    secrets: dict[str, str | None] = Field(default_factory=dict)
    allowed_operations: list[str] | None = None
    tags: list[str] | None = Field(None, max_length=50)
    monthly_budget_usd: float | None = Field(None, ge=0)
    log_content: bool | None = None


@dataclass(frozen=True)
class ConnectorChange:
    values: dict[str, Any]
    """Registry fields to write."""
    secrets: dict[str, str | None]
    """Secret values to store encrypted (None: remove)."""


def _invalid(field: str, message: str, code: str = "invalid_input") -> ApiError:
    return ApiError(code, message, field=field)


def _check_text(value: str, field: str) -> None:
    if _CONTROL.search(value):
        raise _invalid(field, f"{field} holds a control character (a line break, tab or NUL)")


def _check_secret_name(name: str) -> None:
    if name in CREDENTIAL_FIELDS:
        return
    if name.startswith(HEADER_SECRET) and name[len(HEADER_SECRET) :].strip():
        return
    raise _invalid(
        f"secrets.{name}",
        f"unknown secret {name!r}: use {', '.join(CREDENTIAL_FIELDS)} or headers.NAME",
    )


def _check_config(config: dict[str, Any], trusted: bool) -> None:
    if "provider" in config:
        raise _invalid("config.provider", "give provider beside config, not inside it")
    for name in CREDENTIAL_FIELDS:
        if name in config:
            raise _invalid(
                f"config.{name}", f"{name} is a secret: give it in 'secrets', not in 'config'"
            )
    for header, value in (config.get("headers") or {}).items():
        if is_credential_header(str(header)) and value and not has_reference(value):
            raise _invalid(
                f"config.headers.{header}",
                f"header {header!r} holds a credential: give it in 'secrets' as "
                f"'headers.{header}' or as a '{{{{secrets.NAME}}}}' reference",
            )
    network: dict[str, Any] = config["network"] if isinstance(config.get("network"), dict) else {}
    for field, url in [(f, config.get(f)) for f in URL_FIELDS] + [
        ("network.proxy", network.get("proxy"))
    ]:
        if isinstance(url, str):
            password = split_userinfo(url)[2] or ""
            user = split_userinfo(url)[1] or ""
            if (password and not has_reference(password)) or (
                user and not password and not has_reference(user) and field != "network.proxy"
            ):
                raise _invalid(
                    f"config.{field}",
                    "the URL holds a credential: use a '{{secrets.NAME}}' reference",
                )
    if trusted:
        return
    for path, why in HOST_FEATURES.items():
        node: Any = config
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node:
            raise _invalid(
                "config." + ".".join(path),
                f"{'.'.join(path)} {why}: set it in the preconfigured connectors file",
                "host_feature_refused",
            )
    if isinstance(network.get("verify"), str):
        raise _invalid(
            "config.network.verify",
            "a CA bundle path reads a file on the service's host: set it in the "
            "preconfigured connectors file",
            "host_feature_refused",
        )


def _validate_connection(provider: str, config: dict[str, Any], secrets: set[str]) -> None:
    settings: dict[str, Any] = {**config, "provider": provider}
    for name in secrets:
        if name.startswith(HEADER_SECRET):
            headers = dict(settings.get("headers") or {})
            headers[name[len(HEADER_SECRET) :]] = _PLACEHOLDER
            settings["headers"] = headers
        elif name not in settings:
            settings[name] = _PLACEHOLDER
    try:
        Connection.model_validate(settings)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = field_path(tuple(first["loc"]))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise _invalid(f"config.{where}" if where else "config", message) from None
    except ConfigError as exc:
        raise _invalid("config", exc.message) from None


def _check_operations(ids: list[str] | None) -> None:
    if ids is None:
        return
    from ..operations.registry import operations

    known = operations()
    for index, op_id in enumerate(ids):
        if op_id not in known:
            raise _invalid(f"allowed_operations[{index}]", f"unknown operation {op_id!r}")


def _split_secrets(given: dict[str, str | None], config: dict[str, Any]) -> dict[str, str | None]:
    """Put references into ``config`` and return the values to store (None: remove)."""
    stored: dict[str, str | None] = {}
    for name, raw in given.items():
        _check_secret_name(name)
        value = raw
        header = name[len(HEADER_SECRET) :] if name.startswith(HEADER_SECRET) else None
        headers = dict(config.get("headers") or {})
        if value is not None:
            value = value.strip()
            _check_text(value, f"secrets.{name}")
            if not value:
                raise _invalid(f"secrets.{name}", "an empty secret: give a value or null")
        reference = value is not None and has_reference(value)
        if header is not None:
            headers.pop(header, None)
            if reference:
                headers[header] = value
            config["headers"] = headers
            if not headers:
                config.pop("headers")
        else:
            config.pop(name, None)
            if reference:
                config[name] = value
        stored[name] = None if reference else value
    return stored


def _check_common(name: str | None, description: str | None, tags: list[str] | None) -> None:
    if name is not None:
        _check_text(name, "name")
    if description is not None:
        _check_text(description.replace("\n", " ").replace("\t", " "), "description")
    for index, tag in enumerate(tags or []):
        _check_text(tag, f"tags[{index}]")


def check_create(body: ConnectorIn, *, trusted: bool = False) -> ConnectorChange:
    _check_common(body.name, body.description, body.tags)
    config = dict(body.config)
    _check_config(config, trusted)
    secrets = _split_secrets(body.secrets, config)
    kept = {name for name, value in secrets.items() if value is not None}
    _validate_connection(body.provider, config, kept)
    _check_operations(body.allowed_operations)
    values = body.model_dump(exclude={"secrets", "config"})
    values["config"] = config
    values["preconfigured"] = trusted
    return ConnectorChange(values, {k: v for k, v in secrets.items() if v is not None})


def check_update(current: ConnectorRecord, body: ConnectorPatch) -> ConnectorChange:
    given = body.model_dump(exclude_unset=True, exclude={"secrets"})
    if given.get("log_content", False) is None:
        del given["log_content"]
    _check_common(body.name, body.description, body.tags)
    config = dict(current.config)
    if body.config is not None:
        _check_config({k: v for k, v in body.config.items() if v is not None}, False)
        for key, value in body.config.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
    secrets = _split_secrets(body.secrets, config)
    kept = {n for n in current.secret_names if secrets.get(n, "") is not None}
    kept |= {n for n, v in secrets.items() if v is not None}
    _validate_connection(body.provider or current.provider, config, kept)
    if "allowed_operations" in given:
        _check_operations(body.allowed_operations)
    given["config"] = config
    return ConnectorChange(given, secrets)


def connector_view(record: ConnectorRecord) -> dict[str, Any]:
    """A connector as the API shows it: secrets only as ``{"set": true}``."""
    config = dict(record.config)
    secrets: dict[str, Any] = {}
    for name in CREDENTIAL_FIELDS:
        reference = config.pop(name, None)
        if name in record.secret_names:
            secrets[name] = {"set": True}
        elif reference:
            secrets[name] = {"set": True, "reference": reference}
        elif name == "api_key":
            secrets[name] = {"set": False}
    for name in record.secret_names:
        if name.startswith(HEADER_SECRET):
            secrets[name] = {"set": True}
    return {
        "id": record.id,
        "name": record.name,
        "description": record.description,
        "provider": record.provider,
        "config": config,
        "secrets": secrets,
        "allowed_operations": record.allowed_operations,
        "tags": record.tags,
        "preconfigured": record.preconfigured,
        "monthly_budget_usd": record.monthly_budget_usd,
        "log_content": record.log_content,
        "created": record.created.isoformat(),
        "updated": record.updated.isoformat(),
        "last_test": None
        if record.last_test is None
        else {
            "ok": record.last_test.ok,
            "time": record.last_test.time.isoformat(),
            "steps": record.last_test.steps,
        },
    }


def connection_settings(record: ConnectorRecord, values: dict[str, str]) -> dict[str, Any]:
    """The settings to build a :class:`Connection` from: config plus the decrypted secret
    ``values`` (``ConnectorRegistry.connector_secrets``). For the run path."""
    settings: dict[str, Any] = {**record.config, "provider": record.provider}
    for name, value in values.items():
        if name.startswith(HEADER_SECRET):
            settings["headers"] = {**settings.get("headers", {}), name[len(HEADER_SECRET) :]: value}
        else:
            settings[name] = value
    return settings
