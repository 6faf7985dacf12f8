"""Turning what went wrong into ConnectorErrors: invalid input, and provider error bodies.

The class of an API error comes from the status and the provider's ``error.code`` (the table
in :mod:`.errors`), never from the message text; hints add what the user should check.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from .connection import Connection
from .errors import APIStatusError, InvalidInput, UnexpectedRedirect, error_class_for
from .operations.base import EXTRA_FIELDS, Operation
from .providers import base as providers
from .result import Result
from .secrets import Redactor

_TYPE_TAG = re.compile(r"^(str|int|float|bool|bytes|none|dict|list|.*[\[\]-].*)$")


def _field_path(loc: tuple[int | str, ...]) -> str:
    """A dotted field path, without the union member tags pydantic puts in ``loc``."""
    parts = [str(p) for p in loc if isinstance(p, int) or not _TYPE_TAG.match(p)]
    return ".".join(parts) or "input"


def validation_error(exc: ValidationError, operation: Operation) -> InvalidInput:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        field = _field_path(error["loc"])
        if error["type"] == "extra_forbidden" and field in EXTRA_FIELDS:
            message = (
                f"{operation.id} makes several calls and takes no {field}; only operations "
                "that are one HTTP call do"
            )
        errors.append({"field": field, "message": message, "type": error["type"]})
    # with unions, the deepest path is the member that came closest to matching
    # (and of equally deep ones, not a union's literal member such as "auto")
    first = max(errors, key=lambda e: (e["field"].count("."), e["type"] != "literal_error"))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return InvalidInput(
        f"{operation.id}: {first['field']}: {first['message']}{more}",
        field=first["field"],
        errors=errors,
        hint=f"see 'openai-connector operations show {operation.id}'",
    )


def _error_detail(body: Any) -> tuple[str | None, str | None]:
    """The provider's error (message, code) from a body, if it has the usual shape."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message")
            code = error.get("code") or error.get("type")
            return (
                message if isinstance(message, str) else None,
                code if isinstance(code, str) else None,
            )
    return None, None


def error_code_of(result: Result) -> str | None:
    return _error_detail(result.body)[1]


def status_error(
    operation_id: str, result: Result, connection: Connection, redact: Redactor
) -> APIStatusError:
    """The error for an error status, carrying the result's envelope; redacted."""
    message, code = _error_detail(result.body)
    cls = error_class_for(result.status, code)
    if cls is UnexpectedRedirect:
        return _redirect(operation_id, result, redact)
    hint = _hint(result.status, code, message, connection)
    text = f"{operation_id}: HTTP {result.status}"
    if code and code != str(result.status):  # some servers repeat the status as the code
        text += f" {code}"
    if message:
        text += f": {message}"
    return cls(redact(text), result=result, hint=hint and redact(hint))


def _redirect(operation_id: str, result: Result, redact: Redactor) -> UnexpectedRedirect:
    """A 3xx: name where it points (scheme, host and port only: a path or query may hold a
    token), and say the connector does not follow it."""
    where = "elsewhere"
    location = result.headers.get("location", "")
    try:
        parts = urlsplit(location.strip())
        host = parts.hostname
        if host:
            port = f":{parts.port}" if parts.port else ""
            where = f"to {parts.scheme or 'https'}://{host}{port}"
        elif location.strip().startswith("/"):
            where = "to another path on the same server"
    except ValueError:  # a Location that is not a URL
        pass
    return UnexpectedRedirect(
        redact(
            f"{operation_id}: HTTP {result.status}: the server redirects {where}; "
            "the connector does not follow redirects"
        ),
        result=result,
        hint="set base_url to the final URL (the one the redirect points to)",
    )


def _hint(status: int, code: str | None, message: str | None, connection: Connection) -> str | None:
    hint = providers.get(connection.provider).hint(status, code, message, connection)
    if hint is not None:
        return hint
    if status == 401:
        return "check the API key (or token) of the connection"
    if code == "insufficient_quota":
        return "the account has no quota left: check billing; retrying will not help"
    if status == 429:
        return "rate limited: slow down or raise max_retries"
    if status == 404 and code in (None, "model_not_found"):
        return "check the model name and the base URL"
    return None
