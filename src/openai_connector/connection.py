"""Connection settings: which provider, where, with which credentials and network rules.

A :class:`Connection` is configuration: it may hold ``{{secrets.NAME}}`` references and is
safe to print or store (literal credentials are masked in ``repr`` and :meth:`public`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import constants
from .secrets import clean_secret, has_reference

Provider = Literal["openai", "azure", "compatible"]
API_VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
CREDENTIAL_FIELDS = ("api_key", "azure_ad_token")
URL_FIELDS = ("base_url", "endpoint")
CREDENTIAL_HEADER = re.compile(
    r"auth|key|token|secret|password|passwd|cookie|credential|signature", re.IGNORECASE
)
"""Header names whose values are credentials: masked in logs and repr, redacted everywhere."""


def is_credential_header(name: str) -> bool:
    return CREDENTIAL_HEADER.search(name) is not None


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """Configured headers with credential-like literal values masked (references kept)."""
    return {
        name: constants.SECRET_MASK
        if is_credential_header(name) and value and not has_reference(value)
        else value
        for name, value in headers.items()
    }


class RetryPolicy(BaseModel):
    """When and how long to wait before trying a call again (decisions in transport.retry)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_retries: int = Field(constants.MAX_RETRIES, ge=0, le=50)
    backoff: Literal["exponential", "fixed"] = "exponential"
    base_delay: float = Field(constants.BACKOFF_BASE, ge=0)
    """First delay of the exponential backoff, or the fixed delay."""
    max_delay: float = Field(constants.BACKOFF_CAP, ge=0)
    jitter: bool = True
    retry_statuses: frozenset[int] = constants.RETRY_STATUSES
    retry_on_all_errors: bool = False
    """Retry every failure, 4xx included (never a missing quota or bad input of ours)."""
    retry_after_cap: float = Field(constants.RETRY_AFTER_CAP, ge=0)
    deadline: float | None = Field(None, gt=0)
    """Seconds for the whole call across attempts; None: only the per-attempt timeout."""


class Timeout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    connect: float = Field(constants.CONNECT_TIMEOUT, gt=0)
    total: float = Field(constants.TOTAL_TIMEOUT, gt=0)
    """Seconds for one attempt, from sending to the last byte of the response."""


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``(url without user info, user, password)`` of ``http://user:pass@host/...``;
    user and password as written (percent-encoded), None when absent."""
    scheme, sep, rest = url.partition("://")
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i != -1), default=len(rest))
    authority = rest[:authority_end]
    userinfo, at, host = authority.rpartition("@")
    if not sep or not at:
        return url, None, None
    user, colon, password = userinfo.partition(":")
    return f"{scheme}://{host}{rest[authority_end:]}", user, password if colon else None


def mask_url_password(url: str) -> str:
    """``url`` with the credential of its user info masked: the password of
    ``http://user:pass@host``, or the whole user info of ``http://token@host``."""
    bare, user, password = split_userinfo(url)
    if user is None:
        return url
    scheme, _, rest = bare.partition("://")
    shown = f"{user}:{constants.SECRET_MASK}" if password is not None else constants.SECRET_MASK
    return f"{scheme}://{shown}@{rest}"


class Network(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    proxy: str | None = None
    """http(s) proxy URL, user info allowed (http://user:password@host:port)."""
    verify: bool | str = True
    """True, False, or the path of a CA bundle."""
    client_cert: str | None = None
    client_key: str | None = None
    trust_env: bool = True
    """Read HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE and SSL_CERT_DIR
    (``proxy`` and ``verify``, when set, win over them)."""
    max_response_bytes: int = Field(constants.MAX_RESPONSE_BYTES, gt=0)
    """Largest response body (after gzip/deflate decoding) read into memory, and largest
    event stream; a larger one fails with InvalidResponse."""

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, mask_url_password(value) if name == "proxy" and value else value


class Connection(BaseModel):
    """Everything needed to reach one provider."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    provider: Provider = "openai"
    base_url: str | None = None
    """OpenAI or compatible server base URL (default https://api.openai.com/v1)."""
    endpoint: str | None = None
    """Azure: https://{resource}.openai.azure.com"""
    resource_name: str | None = None
    api_version: str = constants.AZURE_API_VERSION
    api_key: str | None = None
    azure_ad_token: str | None = None
    azure_ad_token_command: str | None = None
    organization: str | None = None
    project: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    default_model: str | None = None
    stream_usage: bool = True
    """Ask for token usage in a stream's last chunk (``stream_options.include_usage``);
    turn off for a compatible server that refuses ``stream_options``."""
    timeout: Timeout = Field(default_factory=Timeout)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    network: Network = Field(default_factory=Network)

    @field_validator("api_version")
    @classmethod
    def _check_api_version(cls, value: str) -> str:
        if not API_VERSION_PATTERN.match(value):
            raise ValueError(
                f"api_version {value!r} is not a version: use YYYY-MM-DD or "
                f"YYYY-MM-DD-preview, e.g. {constants.AZURE_API_VERSION}"
            )
        return value

    @field_validator(*CREDENTIAL_FIELDS, "organization", "project")
    @classmethod
    def _check_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else clean_secret(value, str(info.field_name))

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        return {
            clean_secret(name, "headers"): clean_secret(text, f"headers.{name.strip()}")
            for name, text in value.items()
        }

    @field_validator("base_url", "endpoint")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value.startswith("{{"):
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{mask_url_password(value)!r} is not an http(s) URL")
        if "?" in value or "#" in value:
            raise ValueError(
                "has a query or fragment ('?...' or '#...'): give the URL without it, "
                "and query parameters in the connection's query setting"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_provider(self) -> Connection:
        if self.provider == "compatible" and not self.base_url:
            raise ValueError("provider 'compatible' needs base_url (the server's /v1 URL)")
        if self.provider == "azure" and not (self.endpoint or self.resource_name):
            raise ValueError(
                "provider 'azure' needs endpoint (https://RESOURCE.openai.azure.com) "
                "or resource_name"
            )
        return self

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name in CREDENTIAL_FIELDS and value and not str(value).startswith("{{"):
                yield name, constants.SECRET_MASK
            elif name in URL_FIELDS and value:
                yield name, mask_url_password(value)
            elif name == "headers" and value:
                yield name, mask_headers(value)
            else:
                yield name, value

    def public(self) -> dict[str, Any]:
        """The settings as a dict, literal credentials masked (references kept)."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        for name in CREDENTIAL_FIELDS:
            value = data.get(name)
            if value and not str(value).startswith("{{"):
                data[name] = constants.SECRET_MASK
        for name in URL_FIELDS:
            if data.get(name):
                data[name] = mask_url_password(data[name])
        if data.get("headers"):
            data["headers"] = mask_headers(data["headers"])
        if data.get("network", {}).get("proxy"):
            data["network"]["proxy"] = mask_url_password(data["network"]["proxy"])
        return data

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Connection:
        """Build one, turning a validation failure into a ConfigError naming the field."""
        from pydantic import ValidationError

        from .errors import ConfigError

        try:
            return cls(**settings)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            where = f"{field}: " if field else ""  # a rule across fields has no location
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigError(f"connection: {where}{message}") from None

    @property
    def azure_endpoint(self) -> str:
        if self.endpoint:
            return self.endpoint
        return constants.AZURE_ENDPOINT_TEMPLATE.format(resource=self.resource_name)
