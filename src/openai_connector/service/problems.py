"""The service's errors: one shape, ``{"error": {"code", "message", "field"?}}``, and the one
tables from error code to HTTP status (the error classes know nothing of HTTP).
"""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE: dict[str, int] = {
    # the request itself
    "invalid_json": 400,
    "bad_request": 400,
    "invalid_input": 422,
    "host_feature_refused": 422,
    "connector_misconfigured": 422,
    "payload_too_large": 413,
    "method_not_allowed": 405,
    # who asks
    "unauthenticated": 401,
    "invalid_key": 401,
    "forbidden": 403,
    "operation_not_allowed": 403,
    "rate_limited": 429,
    "budget_exceeded": 402,
    # what is asked for
    "not_found": 404,
    "unknown_connector": 404,
    "unknown_key": 404,
    "unknown_operation": 404,
    "duplicate_name": 409,
    "preconfigured_read_only": 409,
    "internal_error": 500,
    "encryption_key_mismatch": 500,
    "database_unreachable": 503,
}
"""Every code the service answers with, and its status. A code not listed is a 500."""

STATUS_BY_CONNECTOR_CODE: dict[str, int] = {
    # the caller's input or the connector's settings: nothing was sent
    "invalid_input": 422,
    "config_error": 422,
    "secret_not_found": 422,
    "unsupported_operation": 422,
    "unknown_operation": 404,
    "output_write_failed": 500,
    # no (complete) answer from the provider
    "connection_error": 502,
    "invalid_response": 502,
    "stream_interrupted": 502,
    "timeout": 504,
}
"""The connector's own error codes (:mod:`openai_connector.errors`) as the run path answers
them. A code not listed is the provider's error status (``APIStatusError``: 400, 401, 429,
5xx ...), answered as 502 with the provider's envelope."""


def status_of(code: str) -> int:
    return STATUS_BY_CODE.get(code, 500)


def status_of_connector_error(code: str) -> int:
    """The status for a :class:`~openai_connector.errors.ConnectorError` with ``code``."""
    return STATUS_BY_CONNECTOR_CODE.get(code, 502)


class ApiError(Exception):
    """A refusal the service answers with; its status comes from :data:`STATUS_BY_CODE`."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers

    @property
    def status(self) -> int:
        return status_of(self.code)

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.field)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def field_path(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "config", "headers", 0)`` -> ``config.headers[0]``; None for the body."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None
