"""``raw.request``: any request to the connection's API, as Prismatic's "Raw Request" offers it.

Only a *path* is taken: the base URL (``.../v1`` for OpenAI, ``{endpoint}/openai`` for Azure,
where ``api-version`` is still added) and the credentials come from the connection, so the
request cannot leave the configured host and cannot replace the connection's auth headers
(they are resolved from secrets and redacted from every log and error; a header given here
would bypass both).

The body is one of: ``data`` (JSON), or ``form_data`` and/or ``file_data`` (multipart). The
retry fields build a retry policy for this call only; ``debug`` logs this call's request and
response (redacted). ``stream`` (or ``Connector.stream``) reads a server-sent event stream
event by event (:mod:`.raw_stream`); an event stream that comes back unasked is read the same
way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import unquote

from pydantic import Field, ValidationInfo, field_validator

from ..errors import InvalidInput
from ..local_files import files_of
from .base import Context, Operation, RequestSpec
from .extras import HttpInput, QueryValue, check_headers
from .raw_stream import RawStreamAssembler
from .uploads import MAX_FILE_BYTES, UploadSource, check_source, read_upload

if TYPE_CHECKING:
    from ..connection import RetryPolicy

FormValue = str | int | float | bool


class RawInput(HttpInput):
    sends_fields: ClassVar[bool] = False

    path: str = Field(
        min_length=1,
        description="Path under the API root, e.g. /models (OpenAI: after /v1; Azure: "
        "after /openai); the host comes from the connection",
    )
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    data: Any = Field(None, description="JSON body")
    form_data: dict[str, FormValue] | None = Field(None, description="Multipart form fields")
    file_data: dict[str, UploadSource] | None = Field(
        None,
        description="Multipart files: field name -> file path, data: URL or bytes "
        "(up to 512 MB each; a path is sent in pieces from the file)",
    )
    file_data_file_names: dict[str, str] | None = Field(
        None, description="File names for file_data fields (needed for bytes)"
    )
    query_params: dict[str, QueryValue] | None = Field(None, description="Query parameters")
    headers: dict[str, str] | None = Field(
        None, description="Extra headers (not authorization, api-key, host or content-type)"
    )
    response_type: Literal["json", "text", "binary"] = "json"
    timeout: float | None = Field(
        None, gt=0, le=3600, description="Seconds for each attempt (default: the connection's)"
    )
    debug: bool = Field(False, description="Log this request and its response (redacted)")
    stream: bool = Field(
        False,
        description="Ask for a server-sent event stream (accept: text/event-stream): events "
        "come as they arrive; the body is the list of events {event, data}",
    )
    max_retry_count: int | None = Field(
        None, ge=0, le=50, description="Retries after the first try"
    )
    retry_delay_ms: int | None = Field(
        None, ge=0, le=600_000, description="Delay before a retry (the first, with backoff)"
    )
    use_exponential_backoff: bool | None = Field(
        None, description="Double the delay at each retry (else a fixed delay)"
    )
    retry_on_all_errors: bool | None = Field(
        None, description="Retry every failed status, 4xx included (not a missing quota)"
    )

    @field_validator("path")
    @classmethod
    def _stays_on_host(cls, value: str) -> str:
        return check_path(value)

    @field_validator("form_data", "file_data")
    @classmethod
    def _one_body(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("data") is not None:
            raise ValueError("give data (JSON) or form_data/file_data (multipart), not both")
        if value is not None and info.data.get("method") == "GET":
            raise ValueError("a GET request carries no body; use query_params")
        return value

    @field_validator("data")
    @classmethod
    def _no_get_body(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("method") == "GET":
            raise ValueError("a GET request carries no body; use query_params")
        return value

    @field_validator("file_data")
    @classmethod
    def _files_readable(cls, value: dict[str, UploadSource] | None, info: ValidationInfo) -> Any:
        files = files_of(info.context)
        for name, source in (value or {}).items():
            try:
                check_source(source, MAX_FILE_BYTES, files)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return value

    @field_validator("file_data_file_names")
    @classmethod
    def _names_for_files(cls, value: dict[str, str] | None, info: ValidationInfo) -> Any:
        files = info.data.get("file_data") or {}
        unknown = sorted(set(value or {}) - set(files))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a file_data field")
        return value

    @field_validator("headers")
    @classmethod
    def _allowed_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return check_headers(value)


def check_path(value: str) -> str:
    """A path under the API root that cannot point anywhere else."""
    if not value.startswith("/") or value.startswith("//"):
        raise ValueError(f"{value!r} must start with a single / (a path, not a URL)")
    decoded = unquote(value)
    if "://" in decoded:
        raise ValueError(f"{value!r}: give only the path; the host comes from the connection")
    if any(c in decoded for c in "?#\\") or any(ord(c) < 33 or ord(c) == 127 for c in decoded):
        raise ValueError(
            f"{value!r}: no query (use query_params), fragment, backslash, space or control "
            "character in the path"
        )
    for _ in range(3):  # a server may decode twice: "%252e" is "." to it
        if "%" not in decoded:
            break
        decoded = unquote(decoded)
    # "..;x" and ".;x" are "..", "." to servers that strip path parameters (Tomcat, Jetty)
    if any(segment.split(";", 1)[0] in ("..", ".") for segment in decoded.split("/")):
        raise ValueError(
            f"{value!r}: '.' and '..' segments (also as '..;', '.;' or percent-encoded) "
            "are not allowed"
        )
    return value


def _policy(data: RawInput, context: Context) -> RetryPolicy | None:
    update: dict[str, Any] = {}
    if data.max_retry_count is not None:
        update["max_retries"] = data.max_retry_count
    if data.retry_delay_ms is not None:
        update["base_delay"] = data.retry_delay_ms / 1000
        update["max_delay"] = max(context.connection.retry.max_delay, data.retry_delay_ms / 1000)
    if data.use_exponential_backoff is not None:
        update["backoff"] = "exponential" if data.use_exponential_backoff else "fixed"
    if data.retry_on_all_errors is not None:
        update["retry_on_all_errors"] = data.retry_on_all_errors
    return context.connection.retry.model_copy(update=update) if update else None


def build_raw(data: RawInput, context: Context) -> RequestSpec:
    multipart: dict[str, Any] | None = None
    if data.form_data is not None or data.file_data is not None:
        multipart = dict(data.form_data or {})
        names = data.file_data_file_names or {}
        for field, source in (data.file_data or {}).items():
            multipart[field] = read_upload(
                source,
                f"file_data.{field}",
                filename=names.get(field),
                default_name=field,
                stream=True,
                files=context.files,
            ).part()
    elif data.file_data_file_names:
        raise InvalidInput(
            "raw.request: file_data_file_names: no file_data to name",
            field="file_data_file_names",
        )
    return RequestSpec(
        data.method,
        data.path,
        json=data.data,
        query=dict(data.query_params) if data.query_params else None,
        multipart=multipart,
        response_type=data.response_type,
        retry=_policy(data, context),
        timeout=data.timeout,
        headers=dict(data.headers) if data.headers else None,
        debug=data.debug,
        stream=data.stream,
    )


OPERATIONS = (
    Operation(
        id="raw.request",
        summary="Send any request to the connection's API (path only; auth from the connection)",
        input=RawInput,
        method="*",
        path="/{path}",
        keywords=("raw", "request", "http", "custom", "endpoint", "any", "api", "advanced"),
        build=build_raw,
        assembler=RawStreamAssembler,
        docs="The path is relative to the API root: https://api.openai.com/v1 for OpenAI, "
        "{endpoint}/openai for Azure (api-version is added).",
    ),
)
