"""Camunda's REST connector task (``io.camunda:http-json:1``) for OpenAI and Azure OpenAI URLs.

Camunda's OpenAI and Azure OpenAI element templates are templates over this task type. When
its ``url`` is an OpenAI API URL (``https://api.openai.com/v1/...``) or an Azure OpenAI one
(``https://RES.openai.azure.com/openai/...?api-version=V``), the request runs through the
connector as ``raw.request`` on a connection built from the URL and ``authentication``
(``bearer`` + ``token``; ``apiKey`` in the ``api-key`` header), so it gets the connector's
retries, redaction, usage and error mapping, and the job's ``response`` is Camunda's shape
``{status, headers, body}``.

Other hosts are refused unless listed in ``allowed_hosts`` (then they run as an
OpenAI-compatible server): the engine is no open HTTP proxy. A host map
(``{"api.openai.com": "http://127.0.0.1:8080"}``) sends a host's requests elsewhere (tests,
air-gapped mirrors); the path is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..connection import Connection
from ..errors import InvalidInput
from .hosts import AZURE_SUFFIX, OPENAI_HOST, HostPolicy
from .io_mapping import refuse_secret_references
from .tasks import JobCall

HTTP_JSON_TYPE = "io.camunda:http-json:1"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
INPUTS = ("url", "method", "headers", "body", "queryParameters", "authentication")


def _target(
    url: str, policy: HostPolicy, element: str
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """(connection settings without auth, path under the API root, query) for ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInput(f"element {element!r}: url {url!r} is not an http(s) URL", field="url")
    query = dict(parse_qsl(parts.query))
    if not policy.known(host):
        raise policy.refuse(host, element)
    origin = policy.origin(url, element)
    if host == OPENAI_HOST and parts.path.startswith("/v1/"):
        return (
            {"provider": "openai", "base_url": origin + "/v1"},
            parts.path[len("/v1") :],
            query,
        )
    if host.endswith(AZURE_SUFFIX) and parts.path.startswith("/openai/"):
        settings: dict[str, Any] = {"provider": "azure", "endpoint": origin}
        version = query.pop("api-version", None)
        if version:
            settings["api_version"] = version
        return settings, parts.path[len("/openai") :], query
    if host in policy.allowed_hosts:
        return {"provider": "compatible", "base_url": origin}, parts.path or "/", query
    raise policy.refuse(host, element)


def _auth(settings: dict[str, Any], auth: Any, element: str) -> None:
    if not isinstance(auth, dict) or auth.get("type") in (None, "noAuth"):
        return
    kind = auth.get("type")
    if kind == "bearer":
        token = auth.get("token")
        key = "azure_ad_token" if settings["provider"] == "azure" else "api_key"
        settings[key] = token
        return
    if kind == "apiKey":
        location = auth.get("apiKeyLocation", "headers")
        name = str(auth.get("name", "")).lower()
        if location == "headers" and name in ("api-key", "authorization"):
            value = str(auth.get("value", ""))
            settings["api_key"] = value.removeprefix("Bearer ").strip()
            return
    raise InvalidInput(
        f"element {element!r}: authentication type {kind!r} "
        f"({auth.get('apiKeyLocation', '')} {auth.get('name', '')}) is not supported for "
        "OpenAI URLs: use bearer, or apiKey in the api-key header",
        field="authentication.type",
    )


def build_request(
    variables: Mapping[str, Any],
    policy: HostPolicy,
    element: str,
    connect: Callable[[dict[str, Any]], Connection] = Connection.from_settings,
) -> tuple[Connection, dict[str, Any]]:
    """The connection and ``raw.request`` params of an http-json job (``connect`` builds the
    connection from settings: a worker passes a cache)."""
    refuse_secret_references({name: variables.get(name) for name in INPUTS}, element)
    url = variables.get("url")
    if not isinstance(url, str):
        raise InvalidInput(f"element {element!r}: url is missing", field="url")
    method = str(variables.get("method") or "GET").upper()
    if method not in METHODS:
        raise InvalidInput(
            f"element {element!r}: method {method!r} is not supported", field="method"
        )
    settings, path, query = _target(url, policy, element)
    auth = variables.get("authentication")
    _auth(settings, auth, element)
    params: dict[str, Any] = {"path": path, "method": method}
    extra = variables.get("queryParameters")
    if isinstance(extra, dict):
        query.update({str(k): str(v) for k, v in extra.items() if v is not None})
    if query:
        params["query_params"] = query
    body = variables.get("body")
    if body is not None and method != "GET":
        params["data"] = body
    headers = variables.get("headers")
    if isinstance(headers, dict):
        kept = {
            str(k): str(v)
            for k, v in headers.items()
            if v is not None and str(k).lower() not in ("content-type", "accept")
        }
        if kept:
            params["headers"] = kept
    seconds = variables.get("connectionTimeoutInSeconds")
    if seconds not in (None, ""):
        try:
            params["timeout"] = float(seconds)
        except (TypeError, ValueError):
            raise InvalidInput(
                f"element {element!r}: connectionTimeoutInSeconds {seconds!r} is not a number",
                field="connectionTimeoutInSeconds",
            ) from None
    return connect(settings), params


def http_json_handler(policy: HostPolicy) -> Any:
    """A task handler for ``io.camunda:http-json:1`` under ``policy``."""

    def run(call: JobCall) -> Any:
        connection, params = build_request(call.variables, policy, call.job.element)
        result = call.executor.run(connection, "raw.request", params, element=call.job.element)
        return result.envelope()

    return run
