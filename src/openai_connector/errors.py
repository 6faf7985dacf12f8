"""Every error openai-connector raises, with a machine-readable ``code``.

::

    ConnectorError                      code            source     retryable
    ├── UserError                                       user       no
    │   ├── ConfigError                 config_error
    │   ├── SecretNotFound              secret_not_found
    │   ├── InvalidInput                invalid_input
    │   ├── UnknownOperation            unknown_operation
    │   └── UnsupportedOperation        unsupported_operation
    ├── TransportError                                  upstream   yes
    │   ├── ConnectionFailed            connection_error
    │   ├── RequestTimeout              timeout
    │   ├── StreamInterrupted           stream_interrupted
    │   └── InvalidResponse             invalid_response           no
    ├── APIStatusError                  (by status)     upstream
    │   ├── UnexpectedRedirect     3xx  redirected      user       no
    │   ├── BadRequest          400/422 bad_request     user       no
    │   ├── AuthenticationFailed   401  auth_failed     user       no
    │   ├── PermissionDenied       403  permission_denied user     no
    │   ├── NotFound               404  not_found       user       no
    │   ├── Conflict               409  conflict        upstream   yes
    │   ├── RateLimited            429  rate_limited    upstream   yes
    │   │   └── QuotaExceeded      429  quota_exceeded  user       no
    │   └── ServerError            5xx  server_error    upstream   yes
    └── OutputWriteFailed               output_write_failed user    no

An :class:`OutputWriteFailed` comes after a successful call whose answer could not be written
to its output file (a full disk, a folder made read-only): it carries the answer in
``result`` (the base64 images, the sound's bytes), so nothing paid for is lost.

An :class:`APIStatusError` carries the same :class:`~openai_connector.result.Result` a success
would, so a process maps both the same way. Messages say what to fix; they never hold a
secret (see :mod:`openai_connector.secrets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from .result import Result

Source = Literal["user", "upstream", "connector"]


class ConnectorError(Exception):
    """Root of every error this package raises."""

    code: ClassVar[str] = "connector_error"
    source: ClassVar[Source] = "connector"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def redacted(self, redact: Any) -> None:
        """Rewrite this error's text with ``redact`` (a ``str -> str`` function), in place."""
        self.message = redact(self.message)
        if self.hint:
            self.hint = redact(self.hint)
        self.args = (self.message,)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "source": self.source,
            "retryable": self.retryable,
            "message": self.message,
        }
        if self.hint:
            data["hint"] = self.hint
        request_id = self.request_id
        if request_id:
            data["request_id"] = request_id
        return data

    @property
    def request_id(self) -> str | None:
        """The provider's id of the request that failed, when an answer arrived."""
        result = getattr(self, "result", None)
        return getattr(result, "request_id", None)


class ConnectorWarning(UserWarning):
    """Something works but is probably not what the user meant (e.g. a key in plain text)."""


# ---------------------------------------------------------------- user errors


class UserError(ConnectorError):
    source: ClassVar[Source] = "user"


class ConfigError(UserError):
    code: ClassVar[str] = "config_error"


class SecretNotFound(UserError):
    code: ClassVar[str] = "secret_not_found"

    def __init__(self, name: str, searched: str) -> None:
        super().__init__(
            f"secret {name!r} is not defined",
            hint=f"looked in {searched}; define it there",
        )
        self.name = name


class InvalidInput(UserError):
    """Input that breaks a documented rule; nothing was sent."""

    code: ClassVar[str] = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.field = field
        self.errors = errors or ([{"field": field, "message": message}] if field else [])

    def redacted(self, redact: Any) -> None:
        super().redacted(redact)
        self.errors = [
            {k: redact(v) if isinstance(v, str) else v for k, v in error.items()}
            for error in self.errors
        ]

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["field"] = self.field
        data["errors"] = self.errors
        return data


class UnknownOperation(UserError):
    code: ClassVar[str] = "unknown_operation"


class UnsupportedOperation(UserError):
    """The chosen provider (or api-version) does not offer this operation or feature."""

    code: ClassVar[str] = "unsupported_operation"


# ------------------------------------------------------------ transport errors


class TransportError(ConnectorError):
    """No (complete) response arrived."""

    source: ClassVar[Source] = "upstream"
    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, hint: str | None = None, attempts: int = 1) -> None:
        super().__init__(message, hint=hint)
        self.attempts = attempts


class ConnectionFailed(TransportError):
    code: ClassVar[str] = "connection_error"


class RequestTimeout(TransportError):
    code: ClassVar[str] = "timeout"


class StreamInterrupted(TransportError):
    """A stream ended before the provider said it was done: the answer is incomplete."""

    code: ClassVar[str] = "stream_interrupted"


class InvalidResponse(TransportError):
    """The provider answered, but not in the form it promised (e.g. broken JSON)."""

    code: ClassVar[str] = "invalid_response"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, result: Result | None = None, attempts: int = 1) -> None:
        super().__init__(message, attempts=attempts)
        self.result = result


# ---------------------------------------------------------- API status errors


class APIStatusError(ConnectorError):
    """The provider answered with an error status; ``result`` holds its envelope."""

    code: ClassVar[str] = "api_error"
    source: ClassVar[Source] = "upstream"

    def __init__(self, message: str, *, result: Result, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result

    @property
    def status(self) -> int:
        return self.result.status

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["status"] = self.result.status
        data["response"] = self.result.envelope()
        return data


class UnexpectedRedirect(APIStatusError):
    """A 3xx answer: the connector does not follow redirects (they could carry the key away)."""

    code: ClassVar[str] = "redirected"
    source: ClassVar[Source] = "user"


class BadRequest(APIStatusError):
    code: ClassVar[str] = "bad_request"
    source: ClassVar[Source] = "user"


class AuthenticationFailed(APIStatusError):
    code: ClassVar[str] = "auth_failed"
    source: ClassVar[Source] = "user"


class PermissionDenied(APIStatusError):
    code: ClassVar[str] = "permission_denied"
    source: ClassVar[Source] = "user"


class NotFound(APIStatusError):
    code: ClassVar[str] = "not_found"
    source: ClassVar[Source] = "user"


class Conflict(APIStatusError):
    code: ClassVar[str] = "conflict"
    retryable: ClassVar[bool] = True


class RateLimited(APIStatusError):
    code: ClassVar[str] = "rate_limited"
    retryable: ClassVar[bool] = True


class QuotaExceeded(RateLimited):
    code: ClassVar[str] = "quota_exceeded"
    source: ClassVar[Source] = "user"
    retryable: ClassVar[bool] = False


class ServerError(APIStatusError):
    code: ClassVar[str] = "server_error"
    retryable: ClassVar[bool] = True


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequest,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    408: ServerError,
    409: Conflict,
    422: BadRequest,
    429: RateLimited,
}


def error_class_for(status: int, error_code: str | None) -> type[APIStatusError]:
    """The error class for an HTTP status and the provider's ``error.code``."""
    if status == 429 and error_code == "insufficient_quota":
        return QuotaExceeded
    if status in STATUS_ERRORS:
        return STATUS_ERRORS[status]
    if status >= 500:
        return ServerError
    if 300 <= status < 400:
        return UnexpectedRedirect
    return BadRequest


# ------------------------------------------------------------- output errors


class OutputWriteFailed(ConnectorError):
    """The call succeeded but its answer could not be written to a file.

    ``result`` holds the answer (the base64 images or the bytes) so nothing paid for is lost;
    ``path`` is the file that could not be written and ``removed`` the partial file that was
    removed (None when none was made). Files already written are listed in
    ``result.extra["files"]``.
    """

    code: ClassVar[str] = "output_write_failed"
    source: ClassVar[Source] = "user"

    def __init__(
        self,
        message: str,
        *,
        result: Result,
        path: str,
        removed: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.result = result
        self.path = path
        self.removed = removed

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["path"] = self.path
        data["removed"] = self.removed
        data["response"] = self.result.envelope()
        return data
