"""Where requests go and what they carry: a connection with its secrets resolved.

The parts every provider shares; each provider module adds its own auth.
"""

from __future__ import annotations

import base64
import re
import warnings
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlencode

from ..connection import Connection, is_credential_header, mask_url_password, split_userinfo
from ..constants import OPENAI_BASE_URL, USER_AGENT
from ..errors import ConfigError, ConnectorWarning
from ..secrets import SecretResolver, clean_secret

if TYPE_CHECKING:
    from .base import Provider

    pass

BASE_HEADERS = {"user-agent": USER_AGENT, "accept": "application/json"}
"""Sent on every request (the transport adds ``accept-encoding``: it decodes the bodies)."""


def _looks_like_azure_key(key: str) -> bool:
    return len(key) == 32 and all(c in "0123456789abcdefABCDEF" for c in key)


class Target:
    """Where a connection's requests go (a plain slotted class: no dataclass to define at
    start-up)."""

    __slots__ = ("api_version", "base_url", "headers", "provider", "query")

    def __init__(
        self,
        provider: str,
        base_url: str,
        headers: dict[str, str],
        query: dict[str, str],
        api_version: str,
    ) -> None:
        self.provider = provider
        self.base_url = base_url
        """Up to the API root: .../v1 for OpenAI, {endpoint}/openai for Azure."""
        self.headers = headers
        self.query = query
        self.api_version = api_version

    def url(self, path: str, query: dict[str, str] | None = None) -> str:
        params = {**self.query, **query} if query else self.query
        url = self.base_url + path
        return f"{url}?{urlencode(params, doseq=True)}" if params else url


def without_userinfo(url: str, setting: str, resolver: SecretResolver) -> tuple[str, str | None]:
    """``url`` without its user info, and the Basic ``authorization`` value it stood for.

    Both faces then send the same thing (urllib3 would drop user info, aiohttp send it),
    and the URL that is logged or shown in errors holds no password. The password (or a
    lone user name, which is a token then) is registered for redaction."""
    bare, user, password = split_userinfo(url)
    if user is None:
        return url, None
    secrets = (password, unquote(password)) if password else (user, unquote(user))
    for value in secrets:
        resolver.redactor.add(clean_secret(value, setting))
    plain = f"{unquote(user)}:{unquote(password or '')}"
    credentials = base64.b64encode(plain.encode()).decode()
    resolver.redactor.add(credentials)
    return bare, f"Basic {credentials}"


def clash(setting: str, other: str) -> ConfigError:
    return ConfigError(
        f"{setting} holds a user name and password (user:password@host) and {other} is set "
        "too: only one credential can be sent",
        hint=f"remove the user info from {setting}, or the other credential",
    )


HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def header_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value, or None if it can."""
    if "\r" in value or "\n" in value or "\0" in value:
        return "header values cannot contain line breaks or NUL characters"
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return "header values can only hold Latin-1 characters"
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _check_headers(headers: dict[str, str], connection: Connection) -> None:
    """Refuse a header value HTTP cannot carry, naming the setting it came from (not its value)."""
    settings = {
        "authorization": "api_key" if connection.api_key else "azure_ad_token",
        "api-key": "api_key",
        "openai-organization": "organization",
        "openai-project": "project",
    }
    own = {name.lower(): name for name in connection.headers}
    for name in own.values():
        if not HEADER_NAME.match(name):
            raise ConfigError(f"headers: {name!r} is not a valid header name", hint="fix headers")
    for name, value in headers.items():
        problem = header_value_problem(value)
        if problem:
            setting = f"headers.{own[name]}" if name in own else settings.get(name, name)
            raise ConfigError(f"{setting}: {problem}", hint=f"fix {setting} in the connection")


def bearer_target(provider: Provider, connection: Connection, resolver: SecretResolver) -> Target:
    """OpenAI's auth (and a compatible server's): ``Authorization: Bearer {api_key}`` (or
    the base URL's user info as Basic), organisation and project headers."""
    headers = dict(BASE_HEADERS)
    query: dict[str, str] = {}
    api_key = resolver.resolve_secret(connection.api_key, "api_key")
    base_url, basic = without_userinfo(
        resolver.resolve(connection.base_url or OPENAI_BASE_URL).rstrip("/"),
        "base_url",
        resolver,
    )
    if basic is not None:
        if api_key:
            raise clash("base_url", "api_key")
        headers["authorization"] = basic
    if api_key:
        if provider.documented_defaults and _looks_like_azure_key(api_key.reveal()):
            warnings.warn(
                f"the api_key looks like an Azure key (32 hex digits) but the provider "
                f"is {provider.name}",
                ConnectorWarning,
                stacklevel=5,
            )
        headers["authorization"] = f"Bearer {api_key.reveal()}"
    elif basic is None and provider.documented_defaults and base_url == OPENAI_BASE_URL:
        # a self-hosted server behind OPENAI_BASE_URL may need no key; OpenAI always does
        raise ConfigError(
            f"the {provider.name} connection has no api_key",
            hint="set OPENAI_API_KEY, pass --api-key, or use {{secrets.NAME}} in api_key",
        )
    if connection.organization:
        organization = resolver.resolve(connection.organization)
        headers["openai-organization"] = clean_secret(organization, "organization")
    if connection.project:
        project = resolver.resolve(connection.project)
        headers["openai-project"] = clean_secret(project, "project")
    return finish_target(provider, connection, resolver, base_url, headers=headers, query=query)


def finish_target(
    provider: Provider,
    connection: Connection,
    resolver: SecretResolver,
    base_url: str,
    *,
    headers: dict[str, str],
    query: dict[str, str],
) -> Target:
    """Every provider's last steps: the connection's own headers and query, then checks."""
    for name, value in connection.headers.items():
        resolved = clean_secret(resolver.resolve(value), f"headers.{name}")
        if is_credential_header(name):  # x-api-key = "literal": a credential all the same
            resolver.redactor.add(resolved)
        headers[name.lower()] = resolved
    for name, value in connection.query.items():
        query[name] = resolver.resolve(value)
    _check_headers(headers, connection)
    if not base_url.isascii() and not _utf8(base_url):
        raise ConfigError("the base URL is not valid UTF-8", hint="fix base_url (or endpoint)")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"base URL {mask_url_password(base_url)!r} is not an http(s) URL", hint="fix base_url"
        )
    return Target(provider.name, base_url, headers, query, connection.api_version)
