"""``extra_body``, ``extra_headers`` and ``extra_query``: what the official SDK offers on every
call, so a parameter the provider adds tomorrow needs no new release.

Every operation that is one HTTP call takes them (its input derives from :class:`HttpInput`);
composite operations (several calls, such as ``chat.create_many`` or ``batches.wait``) do not:
their input refuses them like any unknown field, since which inner call they would go to is
not the caller's to guess.

- ``extra_body``: fields added to the JSON body (or to the multipart form of an upload). They
  add, never replace: a field the operation declares (``model``, ``temperature``) is given as
  itself, so its documented limits still hold, and a field the request already carries is
  refused, naming it. A request without a body (GET) takes none: use ``extra_query``.
- ``extra_headers``: headers added to the request; never the connection's credentials
  (``authorization``, ``api-key``), ``host``, ``content-length``, ``transfer-encoding`` or
  ``content-type``.
- ``extra_query``: query parameters added to the URL; never ``api-version`` (a connection
  setting).

Unknown top-level input fields stay refused: only these three carry what the connector does
not know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import field_validator

from ..errors import InvalidInput
from ..providers.target import HEADER_NAME, header_value_problem
from .base import OperationInput, local, local_fields

if TYPE_CHECKING:
    from .base import Operation, RequestSpec

QueryValue = str | int | float | bool | list[str | int | float | bool]
REFUSED_HEADERS = {
    "authorization": "the connection's credentials authenticate every call",
    "api-key": "the connection's credentials authenticate every call",
    "proxy-authorization": "set the proxy on the connection's network settings",
    "host": "the host comes from the connection",
    "content-length": "the connector computes it",
    "transfer-encoding": "the connector sets it",
    "content-type": "the connector sets it from the body it sends (JSON or multipart)",
}
REFUSED_QUERY = {"api-version": "set api_version on the connection"}


def check_headers(value: dict[str, str] | None) -> dict[str, str] | None:
    """Header names and values that can be sent, none of them one the connector owns."""
    for name, text in (value or {}).items():
        if not HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid header name")
        problem = header_value_problem(text)
        if problem:
            raise ValueError(f"{name}: {problem}")
        reason = REFUSED_HEADERS.get(name.lower())
        if reason:
            raise ValueError(f"{name} cannot be set here: {reason}")
    return value


class HttpInput(OperationInput):
    """Base of the input of every operation that is one HTTP call."""

    sends_fields: ClassVar[bool] = True
    """Whether the fields are sent as body or query fields (an extra of the same name would
    bypass their checks); raw.request's say how to send, so any name may be added."""

    extra_body: dict[str, Any] | None = local(
        None,
        "Fields added to the request body as sent (JSON, or form fields of an upload), for "
        "parameters this version does not know yet; not the operation's own fields",
    )
    extra_headers: dict[str, str] | None = local(
        None, "Headers added to the request (not authorization, api-key, host or content-type)"
    )
    extra_query: dict[str, QueryValue] | None = local(
        None, "Query parameters added to the URL (not api-version)"
    )

    @field_validator("extra_headers")
    @classmethod
    def _allowed_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return check_headers(value)

    @field_validator("extra_query")
    @classmethod
    def _allowed_query(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for name in value or {}:
            reason = REFUSED_QUERY.get(name.lower())
            if reason:
                raise ValueError(f"{name} cannot be set here: {reason}")
            if not name:
                raise ValueError("a query parameter needs a name")
        return value

    @field_validator("extra_body")
    @classmethod
    def _named_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and "" in value:
            raise ValueError("a body field needs a name")
        return value

    def add_extras(self, operation: Operation, spec: RequestSpec) -> None:
        """Add ``extra_body``, ``extra_headers`` and ``extra_query`` to the request the
        operation built from this input without them (:meth:`Operation.request` calls it)."""
        add_extras(operation, self, spec)


def add_extras(operation: Operation, data: HttpInput, spec: RequestSpec) -> None:
    """Add the extras of ``data`` to the operation's request (built without them), in place."""
    if data.extra_body:
        _add_body(operation, data, spec, data.extra_body)
    if data.extra_headers:
        spec.headers = {**(spec.headers or {}), **data.extra_headers}
    if data.extra_query:
        query = spec.query or {}
        _refuse_declared(operation, data, "extra_query", data.extra_query)
        _refuse_taken(operation, "extra_query", data.extra_query, query, "the query")
        spec.query = {**query, **data.extra_query}


def _refuse_declared(
    operation: Operation, data: HttpInput, field: str, extra: dict[str, Any]
) -> None:
    """A field the operation declares is given as itself, where its limits are checked."""
    model = type(data)
    if not model.sends_fields:
        return
    skipped = local_fields(model)
    declared = {
        name
        for key, info in model.model_fields.items()
        if key not in skipped
        for name in (key, info.alias)
        if name
    }
    for name in extra:
        if name in declared:
            raise InvalidInput(
                f"{operation.id}: {field}.{name}: {name} is a field of {operation.id}; "
                "give it as such (its limits are checked)",
                field=f"{field}.{name}",
            )


def _add_body(
    operation: Operation, data: HttpInput, spec: RequestSpec, extra: dict[str, Any]
) -> None:
    _refuse_declared(operation, data, "extra_body", extra)
    if spec.multipart is not None:
        _refuse_taken(operation, "extra_body", extra, spec.multipart, "the form")
        spec.multipart = {**spec.multipart, **extra}
    elif spec.json is not None:
        if not isinstance(spec.json, dict):
            raise InvalidInput(
                f"{operation.id}: extra_body: the body sent is not a JSON object, so it "
                "cannot take more fields",
                field="extra_body",
            )
        _refuse_taken(operation, "extra_body", extra, spec.json, "the body")
        spec.json = {**spec.json, **extra}
    elif spec.content is not None or spec.method in ("GET", "HEAD"):
        raise InvalidInput(
            f"{operation.id}: extra_body: this request carries "
            + ("a body that is not JSON" if spec.content is not None else "no body")
            + ", so it cannot take body fields",
            field="extra_body",
            hint="use extra_query for query parameters",
        )
    else:  # a POST without a body of its own (a cancel): the extras are the body
        spec.json = dict(extra)


def _refuse_taken(
    operation: Operation,
    field: str,
    extra: dict[str, Any],
    present: dict[str, Any],
    where: str,
) -> None:
    for name in extra:
        if name in present:
            raise InvalidInput(
                f"{operation.id}: {field}.{name}: {where} already holds {name}; "
                f"{field} adds fields, it does not replace them",
                field=f"{field}.{name}",
            )
