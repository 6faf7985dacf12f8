"""Errors of the ``/v1`` gateway in OpenAI's shape, ``{"error": {"message", "type", "param",
"code"}}``, with the statuses OpenAI's SDKs turn into their own exception types
(401 AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError, 429 RateLimitError,
400 BadRequestError, 422 UnprocessableEntityError, 5xx InternalServerError)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from .problems import status_of

GATEWAY_PREFIX = "/v1/"

_GATEWAY_STATUS = {
    # OpenAI answers a spent quota with 429 insufficient_quota: SDKs raise RateLimitError
    "budget_exceeded": 429,
    "invalid_json": 400,
    "invalid_input": 400,
    "operation_not_allowed": 403,
}

_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def gateway_status(code: str) -> int:
    return _GATEWAY_STATUS.get(code) or status_of(code)


def openai_error_body(
    message: str, *, status: int, code: str | None, param: str | None = None
) -> dict[str, Any]:
    kind = _TYPE_BY_STATUS.get(status, "api_error" if status >= 500 else "invalid_request_error")
    if code == "budget_exceeded":
        kind = "insufficient_quota"
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def openai_error(
    code: str,
    message: str,
    param: str | None = None,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    chosen = status or gateway_status(code)
    return JSONResponse(
        openai_error_body(message, status=chosen, code=code, param=param),
        status_code=chosen,
        headers=headers,
    )


def is_gateway(path: str) -> bool:
    return path.startswith(GATEWAY_PREFIX)
