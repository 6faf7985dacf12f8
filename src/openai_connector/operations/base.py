"""How an operation is declared: once, with everything the rest of the package derives from.

An :class:`Operation` names its id (``area.verb`` as in OpenAI's API reference), its input
model (pydantic, with the provider's documented limits), the HTTP method and one logical
path (OpenAI's; each provider maps it, see :mod:`..providers`), and optional hooks: a
custom request builder, a response post-processor, a stream assembler, or (for operations
made of several calls) a runner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from pydantic import BaseModel, ConfigDict, Field

from ..constants import DEFAULT_MODELS, OPENAI_BASE_URL
from ..errors import InvalidInput, UnsupportedOperation
from ..local_files import HOST, LocalFiles
from ..providers import base as providers
from ..providers.base import quote_path

if TYPE_CHECKING:
    from ..connection import Connection, RetryPolicy
    from ..providers.base import Provider
    from ..result import Result
    from ..steps import Plan
    from ..stream_events import StreamAssembler
    from .downloads import Download
    from .extras import HttpInput

ResponseType = Literal["json", "text", "binary"]
PATH_PARAMETER = re.compile(r"\{(\w+)\}")
EXTRA_FIELDS = frozenset({"extra_body", "extra_headers", "extra_query"})
"""The fields every one-call operation takes besides its own (see :mod:`.extras`)."""


class OperationInput(BaseModel):
    """Base of every input model: unknown fields are refused, never silently sent."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False
    )


def local(default: Any = None, description: str = "", **kwargs: Any) -> Any:
    """A field that steers the connector and is not sent to the provider."""
    return Field(default, description=description, json_schema_extra={"local": True}, **kwargs)


def local_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("local")
    )


class ModelNotNamed(Exception):
    """Nothing names a model and the compatible server's model list has not been read yet.

    Not an error users see: the face that catches it lists the server's models once
    (``models.list``), remembers them on its :class:`Context`, and prepares the call again.
    """


ModelKind = Literal["chat", "embedding", "completion"]


@dataclass(frozen=True, slots=True)
class Context:
    """What an operation may know about the connection it runs on."""

    connection: Connection
    served_models: tuple[str, ...] | None = None
    """The models a compatible server listed (read once per connector); None: not asked."""
    files: LocalFiles = HOST
    """The only way to a local path named in input (the connector's trust policy)."""

    provider: Provider = field(init=False)
    """The connection's provider profile (:mod:`..providers`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "provider", providers.get(self.connection.provider))

    def model(self, value: str | None, field_name: str = "model", kind: ModelKind = "chat") -> str:
        """The model (or Azure deployment) of a call.

        In order: the call's, the connection's ``default_model``, then on OpenAI
        (api.openai.com) the documented default for the kind (``constants.DEFAULT_MODELS``).
        Any other server (a compatible one, or an OpenAI ``base_url`` elsewhere) is asked for
        its models once: the one it serves, else the documented default if it is among them.
        Azure needs a deployment name.
        """
        chosen = value or self.connection.default_model
        if chosen:
            return chosen
        connection = self.connection
        provider = self.provider
        default = DEFAULT_MODELS[kind]
        if provider.documented_defaults and (
            connection.base_url is None or connection.base_url == OPENAI_BASE_URL
        ):
            return default
        hint = (
            f"pass {field_name}, or set default_model on the connection "
            "(--default-model, OPENAI_CONNECTOR_DEFAULT_MODEL)"
        )
        if provider.deployments:
            raise InvalidInput(
                f"{field_name}: no deployment name given: Azure OpenAI needs the name of "
                "the deployment to call",
                field=field_name,
                hint=hint,
            )
        served = self.served_models
        if served is None:
            raise ModelNotNamed(field_name)
        if len(served) == 1:
            return served[0]
        if default in served:
            return default
        offered = ", ".join(served[:20]) + (
            f" (and {len(served) - 20} more)" if len(served) > 20 else ""
        )
        raise InvalidInput(
            f"{field_name}: no model given, and the server offers "
            + (f"{len(served)} models: {offered}" if served else "no models")
            + "; name one",
            field=field_name,
            hint=hint,
        )

    def require(self, feature: str, field_name: str) -> None:
        """Refuse ``feature`` (used by ``field_name``) when the provider or its API version
        lacks it: UnsupportedOperation naming the field, before sending."""
        self.provider.require(feature, field_name, self.connection)


@dataclass(slots=True)
class RequestSpec:
    """What an operation asks the transport to send (relative to the API root)."""

    method: str
    path: str = ""
    """Empty: the operation's declared path, its parameters filled from the input."""
    json: Any = None
    query: dict[str, Any] | None = None
    content: bytes | None = None
    content_type: str | None = None
    multipart: dict[str, Any] | None = None
    """Form fields for a multipart upload; a file is a (filename, bytes, content type) tuple."""
    stream: bool = False
    response_type: ResponseType = "json"
    retry: RetryPolicy | None = None
    """A per-call retry policy (e.g. raw.request's own retry settings)."""
    timeout: float | None = None
    headers: dict[str, str] | None = None
    """Extra request headers (raw.request); the connection's auth headers cannot be replaced."""
    debug: bool = False
    """Log this call's request and response (redacted) even when the connector is not in
    debug mode."""
    download: Download | None = None
    """Stream a successful response's body to this file (a large download)."""
    model: str | None = None
    """The model (Azure: deployment) the request names when the provider moved it out of the
    body (Azure's path): what observers report as the call's model."""


Progress = Callable[[dict[str, Any]], None]


class Runner(Protocol):
    """What a composite operation's plan may use besides its steps (:mod:`..steps`: it
    yields ``Call`` for another operation on the same connector, ``Sleep``, ``Each``)."""

    context: Context

    def progress(self, event: dict[str, Any]) -> None:
        """Report progress of a long wait (shown by the CLI on a terminal)."""

    def clock(self) -> float:
        """The connector's (injectable) monotonic clock, in seconds."""


Builder = Callable[[Any, Context], RequestSpec]
PostProcessor = Callable[[Any, Any, Context], Any]
Composite = Callable[[Runner, Any], "Plan[Result]"]
"""A composite operation: a plan (a generator of steps) that ends with the Result."""


@dataclass(frozen=True)
class Operation:
    id: str
    summary: str
    input: type[OperationInput]
    method: str = "POST"
    path: str | None = None
    """The logical path (OpenAI's, relative to the API root); each provider maps it
    (:meth:`Provider.path_template`). None for a composite, which sends nothing itself."""
    routed_by_model: bool = False
    """The body's ``model`` says what runs the call; a provider may take it in the path
    instead (Azure: ``/deployments/{deployment}`` before the path)."""
    features: tuple[tuple[str, str], ...] = ()
    """(input field, feature) pairs: a call that sets the field uses the feature, which the
    provider may refuse (an Azure api-version too old, an Azure-only feature elsewhere)."""
    keywords: tuple[str, ...] = ()
    build: Builder | None = None
    post_process: PostProcessor | None = None
    """(result, input, context) -> result, after a successful response."""
    assembler: Callable[[], StreamAssembler] | None = None
    runner: Composite | None = None
    response_type: ResponseType = "json"
    docs: str = ""
    credentials: Callable[[Any], Iterable[str]] | None = None
    """Secrets inside the validated input however they were given (e.g. a data source's
    key in plain text): registered for redaction before anything is sent or logged."""

    @property
    def area(self) -> str:
        return self.id.rsplit(".", 1)[0]

    @property
    def streams(self) -> bool:
        return self.assembler is not None

    def check_provider(self, context: Context) -> None:
        """Refuse, before sending, an operation the connection's provider does not offer."""
        context.provider.check_offers(self)

    def request(self, data: OperationInput, context: Context) -> RequestSpec:
        """The request for validated input, as the connection's provider takes it.

        The custom builder's, or the default rule: path parameters from the fields of the
        same name, then the other fields sent, except local ones, as a JSON body (POST) or
        as query parameters (GET, DELETE). A builder leaves the path out: it is the declared
        one. ``extra_body``, ``extra_headers`` and ``extra_query``, when given, are added to
        it (:mod:`.extras`). The provider then checks the features the input uses and routes
        the request.
        """
        provider = context.provider
        for name, feature in self.features:
            if getattr(data, name) is not None:
                provider.require(feature, name, context.connection)
        if data.model_fields_set.isdisjoint(EXTRA_FIELDS):
            spec = self._build(data, context)
        else:  # only an HttpInput has these fields: every other input refuses them
            taking = cast("HttpInput", data)
            spec = self._build(taking.model_copy(update=dict.fromkeys(EXTRA_FIELDS)), context)
            taking.add_extras(self, spec)
        provider.route(self, spec)
        return spec

    def _build(self, data: OperationInput, context: Context) -> RequestSpec:
        if self.build is not None:
            spec = self.build(data, context)
            if not spec.path:
                spec.path = fill_path(self, data)
        else:
            spec = default_request(self, data)
        return spec


def fill_path(operation: Operation, data: OperationInput) -> str:
    """The declared path with its parameters taken from the input fields of the same name."""
    template = operation.path
    if template is None:
        raise UnsupportedOperation(f"{operation.id} sends no request of its own")
    if "{" not in template:
        return template
    values = {}
    for name in PATH_PARAMETER.findall(template):
        value = getattr(data, name, None)
        if value in (None, ""):
            raise InvalidInput(f"{name}: required", field=name)
        values[name] = quote_path(value)
    return template.format(**values)


def default_request(operation: Operation, data: OperationInput) -> RequestSpec:
    template = operation.path or ""
    values = data.model_dump(exclude_none=True, by_alias=True, mode="json")
    for name in local_fields(type(data)):
        values.pop(name, None)
    path_values: dict[str, str] = {}
    for name in PATH_PARAMETER.findall(template):
        value = values.pop(name, None)
        if value in (None, ""):
            raise InvalidInput(f"{name}: required", field=name)
        path_values[name] = quote_path(value)
    path = template.format(**path_values) if path_values else template
    if operation.method in ("GET", "DELETE"):
        return RequestSpec(
            operation.method, path, query=values or None, response_type=operation.response_type
        )
    declared = set(type(data).model_fields) - local_fields(type(data)) - set(path_values)
    if not declared:  # e.g. POST /batches/{batch_id}/cancel: the API takes no body at all
        return RequestSpec(operation.method, path, response_type=operation.response_type)
    return RequestSpec(operation.method, path, json=values, response_type=operation.response_type)
