"""The one core behind both faces: prepare a call, read a response, map errors.

Nothing here does I/O of its own: the plans of :mod:`.plans` ask a face's driver
(:mod:`.drivers`) for each send, pause or blocking piece of work. Preparing may run the
connection's Entra ID token command or read secret files; a connection that may do
either is prepared as blocking work (:attr:`Core.blocks`), in a thread on the async face.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from . import bounded_json, json_body
from .connection import Connection, Network, RetryPolicy, is_credential_header
from .error_mapping import error_code_of, status_error, validation_error
from .errors import (
    APIStatusError,
    ConnectorError,
    InvalidInput,
    InvalidResponse,
    TransportError,
    UnsupportedOperation,
)
from .http_log import REDACTED, log, request_line, response_line
from .local_files import VALIDATION_KEY, LocalFiles
from .observers import Observer, Observers
from .operations import registry
from .operations.base import Context, ModelNotNamed, Operation, OperationInput, RequestSpec
from .policy import SecretSource, TrustPolicy, refuse_host_features, refuse_secrets
from .providers.entra import EntraTokenCommand
from .providers.target import Target
from .result import RateLimit, Result, request_id_of
from .secrets import Redactor, SecretResolver, SecretStore, has_reference
from .transport.request import HttpRequest, HttpResponse, StreamedBody
from .transport.retry import RetryClock
from .usage import Usage

_SCALARS = (str, int, float, bool, type(None))
FILE_FIELDS = frozenset({"file", "image", "mask", "images", "output", "output_dir"})
"""Input fields that name local files (with those typed as uploads)."""
OUTPUT_FIELDS = frozenset({"output", "output_dir"})
"""Input fields that name files a call writes (its post-processing may block on them)."""


def _nothing_to_resolve(params: dict[str, Any]) -> bool:
    """True when no value could hold a secret reference: resolving would change nothing.

    Containers (a chat's messages) are written as JSON in one C call and searched for
    ``{{``, rather than walked and copied by the resolver; what JSON cannot write (a
    ``Secret``, bytes, a model) goes through the resolver."""
    containers = False
    for value in params.values():
        kind = type(value)
        if kind is str:
            if "{{" in value:
                return False
        elif kind is dict or kind is list:
            containers = True
        elif kind not in _SCALARS:
            return False  # Secret values go through the resolver (it registers them)
    if not containers:
        return True
    try:
        return b"{{" not in orjson.dumps(params)
    except TypeError:  # orjson.JSONEncodeError too
        return False


@dataclass(slots=True)
class Prepared:
    operation: Operation
    data: OperationInput
    spec: RequestSpec | None
    request: HttpRequest | None
    policy: RetryPolicy


class Core:
    """Shared state of one connector: connection, trust policy, secrets, redaction, token
    cache."""

    def __init__(
        self,
        connection: Connection,
        *,
        secrets: SecretSource | None = None,
        policy: TrustPolicy | None = None,
        debug: bool = False,
        clock: Callable[[], float] = time.monotonic,
        observers: Sequence[Observer] = (),
        name: str | None = None,
    ) -> None:
        policy = policy or TrustPolicy.trusted()
        if not policy.host_features:
            refuse_host_features(connection)
        self.connection = connection
        self.policy = policy
        self.redactor = Redactor()
        self.observers = Observers(observers, name, connection.provider, self.redactor)
        store = policy.secrets or secrets or SecretStore()
        self.resolver = SecretResolver(store, self.redactor)
        self.input_secrets = policy.input_secrets
        files = LocalFiles(policy.files)
        self.context = Context(connection, files=files)
        self._validation_context = None if files.mode == "host" else {VALIDATION_KEY: files}
        self.debug = debug
        self.clock = clock
        self.token_command = (
            EntraTokenCommand(connection.azure_ad_token_command)
            if connection.azure_ad_token_command
            else None
        )
        self._static = (
            not self.token_command
            and not any(
                has_reference(value) for value in connection.model_dump(mode="json").values()
            )
            and not any(has_reference(v) for v in connection.headers.values())
        )
        self._target: Target | None = None
        self.blocks = not self._static
        """Preparing may block (a token command, secret files): the async face uses a thread."""
        self._file_fields: dict[str, tuple[str, ...]] = {}
        self._writes_files: dict[str, bool] = {}
        self._offered: set[str] = set()
        """Operations the provider was found to offer (checked once each)."""

    # ---------------------------------------------------------------- preparing

    def target(self) -> Target:
        if self._target is not None:
            return self._target
        target = self.context.provider.target(self.connection, self.resolver, self.token_command)
        if self._static:
            self._target = target
        return target

    def network(self) -> Network:
        """The network settings with ``{{secrets.NAME}}`` resolved; a proxy password is
        registered for redaction."""
        network = self.connection.network
        if not self.policy.host_features and network.trust_env:
            # proxies and CA files named by the host's environment: not this caller's
            network = network.model_copy(update={"trust_env": False})
        settings = network.model_dump()
        resolved = self.resolver.resolve(settings)
        proxy = resolved.get("proxy")
        if proxy:
            from urllib.parse import urlsplit

            self.redactor.add(urlsplit(proxy).password)
        return network if resolved == settings else Network(**resolved)

    def remember_models(self, body: Any) -> None:
        """Keep the models a compatible server listed (``models.list``'s body) for the
        calls that name none (see :meth:`Context.model`)."""
        data = body.get("data") if isinstance(body, dict) else None
        names = tuple(
            item["id"]
            for item in (data if isinstance(data, list) else [])
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
        )
        self.context = replace(self.context, served_models=names)

    def models_not_listed(self, signal: ModelNotNamed, error: APIStatusError) -> InvalidInput:
        """No model named, and the server refused to list its models."""
        field = signal.args[0] if signal.args else "model"
        return InvalidInput(
            f"{field}: no model given, and the server did not list its models "
            f"(GET /models answered HTTP {error.status})",
            field=field,
            hint=f"pass {field}, or set default_model on the connection "
            "(--default-model, OPENAI_CONNECTOR_DEFAULT_MODEL)",
        )

    def file_fields(self, op: Operation) -> tuple[str, ...]:
        """The input fields of ``op`` that may name local files (read or written)."""
        names = self._file_fields.get(op.id)
        if names is None:
            names = tuple(
                name
                for name, info in op.input.model_fields.items()
                if name in FILE_FIELDS or "UploadSource" in str(info.annotation)
            )
            self._file_fields[op.id] = names
        return names

    def writes_files(self, op: Operation) -> bool:
        """Whether ``op``'s post-processing may write local files (images, speech ...)."""
        writes = self._writes_files.get(op.id)
        if writes is None:
            writes = self._writes_files[op.id] = not OUTPUT_FIELDS.isdisjoint(self.file_fields(op))
        return writes

    def reads_files(self, op: Operation, params: Any) -> bool:
        """Whether preparing this call may read local files (then it is blocking work)."""
        names = self.file_fields(op)
        if not names:
            return False
        if not isinstance(params, dict):
            return True
        return any(params.get(name) is not None for name in names)

    def auth_headers(self) -> dict[str, str]:
        """The headers of the connection's target, the token fetched again if it expired."""
        return self.target().headers

    def forget_token(self) -> None:
        if self.token_command is not None:
            self.token_command.invalidate()

    def validate(self, operation: Operation, params: Any) -> OperationInput:
        if isinstance(params, operation.input):
            if self.input_secrets and self._validation_context is None:
                return params
            # checked as given: its fields go through this policy (references, paths)
            params = {name: getattr(params, name) for name in params.model_fields_set}
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise InvalidInput(
                f"{operation.id}: the input must be a mapping of field names to values",
                field="input",
            )
        if not _nothing_to_resolve(params):
            if self.input_secrets:
                params = self.resolver.resolve(params)
            else:
                refuse_secrets(operation.id, params)
        try:
            return operation.input.model_validate(params, context=self._validation_context)
        except ValidationError as exc:
            raise validation_error(exc, operation) from None

    def prepare(
        self,
        operation: str | Operation,
        params: Any,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> Prepared:
        op = operation if isinstance(operation, Operation) else registry.get(operation)
        try:
            return self._prepare(op, params, retry, timeout)
        except RecursionError:  # input nested thousands deep: validation or encoding gave up
            raise InvalidInput(
                f"{op.id}: the input is nested too deeply to be sent",
                field="input",
                hint=f"keep objects and lists under {bounded_json.MAX_DEPTH} levels deep",
            ) from None

    def prepare_stream(
        self,
        operation: str | Operation,
        params: Any,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> Prepared:
        """Prepare a call of an operation that streams, with ``stream: true``."""
        op = operation if isinstance(operation, Operation) else registry.get(operation)
        if op.assembler is None or "stream" not in op.input.model_fields:
            raise UnsupportedOperation(f"{op.id} does not stream", hint="use run() for it")
        if isinstance(params, BaseModel):
            params = params.model_dump(exclude_unset=True)
        return self.prepare(op, {**(params or {}), "stream": True}, retry=retry, timeout=timeout)

    def _prepare(
        self,
        op: Operation,
        params: Any,
        retry: RetryPolicy | None,
        timeout: float | None,
    ) -> Prepared:
        data = self.validate(op, params)
        if op.credentials is not None:
            for value in op.credentials(data):
                self.redactor.add(value)
        if op.id not in self._offered:  # the provider's answer does not change
            op.check_provider(self.context)
            self._offered.add(op.id)
        policy = retry or self.connection.retry
        if op.runner is not None:
            return Prepared(op, data, None, None, policy)
        try:
            spec = op.request(data, self.context)
            request = self.http_request(spec, timeout or spec.timeout)
        except (UnicodeEncodeError, json_body.Unsendable):  # not sendable as JSON
            raise _unsendable(op, params) from None
        if spec.retry is not None and retry is None:
            policy = spec.retry
        return Prepared(op, data, spec, request, policy)

    def http_request(self, spec: RequestSpec, timeout: float | None = None) -> HttpRequest:
        target = self._target if self._target is not None else self.target()
        headers = dict(target.headers)
        if spec.response_type != "json":
            headers["accept"] = "*/*"  # audio, subtitles, file content: not only JSON
        if spec.headers:
            headers.update({k.lower(): v for k, v in spec.headers.items()})
            for name, value in spec.headers.items():
                if is_credential_header(name):  # a key given for one call: never shown
                    self.redactor.add(value)
        content: bytes | StreamedBody | None = spec.content
        if spec.json is not None:
            content = json_body.encode(spec.json)
            headers["content-type"] = "application/json"
        elif spec.multipart is not None:
            from .multipart import encode_form

            content, headers["content-type"], length = encode_form(spec.multipart)
            if length is not None:  # streamed from a file: the transport cannot count it
                headers["content-length"] = str(length)
        elif spec.content_type:
            headers["content-type"] = spec.content_type
        if spec.stream:
            headers["accept"] = "text/event-stream"
        query = None
        if spec.query:
            query = {k: _query_value(v) for k, v in spec.query.items()}
        timeouts = self.connection.timeout
        return HttpRequest(
            spec.method,
            target.url(spec.path, query),
            headers,
            content,
            timeout or timeouts.total,
            timeouts.connect,
            spec.debug,
        )

    # ----------------------------------------------------------------- reading

    def result(
        self, prepared: Prepared, response: HttpResponse, attempts: int, started: float
    ) -> Result:
        """The envelope for a response; raises InvalidResponse for a broken 2xx body."""
        spec = prepared.spec
        response_type = spec.response_type if spec else "json"
        redactor = self.redactor
        content = response.content
        # secrets are redacted in the decoded body (escaped forms too), strings only
        secret = redactor.may_hold(content)
        headers = redactor.headers(response.headers)
        ok = 200 <= response.status < 300
        body: Any
        if ok and response_type == "json" and content:
            # the common case, first; the same outcome as the general rules below
            try:
                body = bounded_json.loads(content)
            except ValueError as exc:
                if prepared.operation.assembler is None or not _event_stream(headers):
                    raise self._not_json(
                        prepared,
                        response,
                        headers,
                        content,
                        exc,
                        attempts=attempts,
                        started=started,
                    ) from None
                from .streaming import assemble  # a server that streamed though not asked

                body = assemble(self, prepared, content)
                secret = False
            if secret:
                body = redactor.deep(body)
            return Result(
                response.status,
                headers,
                body,
                Usage.from_body(body),
                attempts,
                self.clock() - started,
                RateLimit.from_headers(headers),
                request_id=request_id_of(headers),
            )
        content_type = headers.get("content-type", "")
        if response_type == "binary" and ok:
            body = redactor.deep(content) if secret else content
        elif response_type == "text" and ok:
            body = content.decode("utf-8", "replace")
        elif not content:
            body = None
        elif "json" in content_type or (response_type == "json" and ok):
            try:
                body = bounded_json.loads(content)
            except ValueError as exc:
                if ok:
                    raise self._not_json(
                        prepared,
                        response,
                        headers,
                        content,
                        exc,
                        attempts=attempts,
                        started=started,
                    ) from None
                body = content.decode("utf-8", "replace")
        else:
            body = content.decode("utf-8", "replace")
        if secret and not isinstance(body, bytes):
            body = redactor.deep(body)
        return Result(
            response.status,
            headers,
            body,
            usage=Usage.from_body(body) if ok else None,
            attempts=attempts,
            elapsed=self.clock() - started,
            rate_limit=RateLimit.from_headers(headers),
            request_id=request_id_of(headers),
        )

    def _not_json(
        self,
        prepared: Prepared,
        response: HttpResponse,
        headers: dict[str, str],
        content: bytes,
        error: ValueError,
        *,
        attempts: int,
        started: float,
    ) -> InvalidResponse:
        text = self.redactor(content.decode("utf-8", "replace"))
        why = "is not JSON" if not isinstance(error, bounded_json.TooDeep) else str(error)
        return InvalidResponse(
            f"{prepared.operation.id}: the server answered {response.status} "
            f"with a body that {why}: {text[:120]!r}",
            result=Result(
                response.status,
                headers,
                text,
                attempts=attempts,
                elapsed=self.clock() - started,
                request_id=request_id_of(headers),
            ),
            attempts=attempts,
        )

    def status_error(self, operation: Operation, result: Result) -> APIStatusError:
        return status_error(operation.id, result, self.connection, self.redactor)

    # ---------------------------------------------------------------- retrying

    def pause_after_status(self, prepared: Prepared, clock: RetryClock, result: Result) -> float:
        """Seconds to wait before retrying an error status; raises the error to give up."""
        if result.status == 401 and self.token_command is not None and clock.attempt == 1:
            self.forget_token()  # an Entra ID token may have expired early: fetch a new one
            return 0.0
        code = error_code_of(result)
        pause = clock.next_delay(status=result.status, headers=result.headers, error_code=code)
        if pause is None:
            raise self.status_error(prepared.operation, result)
        log.info("retrying %s after HTTP %s in %.2f s", prepared.operation.id, result.status, pause)
        return pause

    def pause_after_error(
        self, prepared: Prepared, clock: RetryClock, error: TransportError
    ) -> float:
        """Seconds to wait before retrying a transport error; raises it to give up."""
        content = prepared.request.content if prepared.request is not None else None
        if isinstance(content, StreamedBody) and isinstance(content.failure, ConnectorError):
            raise content.failure  # the body's own failure (an upload's file gone), not the net
        error.attempts = clock.attempt
        pause = clock.next_delay(error=error)
        if pause is None:
            raise self.redact_error(error)
        log.info("retrying %s after %s in %.2f s", prepared.operation.id, error.code, pause)
        return pause

    def start_attempt(self, prepared: Prepared, clock: RetryClock, per_attempt: float) -> bool:
        """Count the attempt, set its timeout and log its request; True when the request
        was logged (its response is logged too)."""
        clock.begin_attempt()
        request = prepared.request
        assert request is not None
        request.timeout = clock.attempt_timeout(per_attempt)
        debug = self.debug or request.debug
        if debug or log.isEnabledFor(logging.DEBUG):
            line = request_line(self.redactor, request, clock.attempt)
            log.log(logging.INFO if debug else logging.DEBUG, "%s", line, extra=REDACTED)
            return True
        return False

    def redact_error(self, error: ConnectorError) -> ConnectorError:
        error.redacted(self.redactor)
        return error

    # ---------------------------------------------------------------- logging

    def log_response(
        self,
        request: HttpRequest,
        status: int,
        headers: dict[str, str],
        content: bytes | None,
        elapsed: float,
    ) -> None:
        debug = self.debug or request.debug
        if debug or log.isEnabledFor(logging.DEBUG):
            line = response_line(
                self.redactor,
                request,
                status=status,
                headers=headers,
                content=content,
                elapsed=elapsed,
            )
            log.log(logging.INFO if debug else logging.DEBUG, "%s", line, extra=REDACTED)


def _unsendable(operation: Operation, params: Any) -> InvalidInput:
    """The input field holding a value that cannot be sent: text that is not UTF-8 (invalid
    UTF-8 from the command line or a file name arrives as lone surrogates), a NaN or an
    infinity, or an object that is not a JSON value."""
    field, why = json_body.unsendable(params)
    hint = None
    if "UTF-8" in why:
        hint = "give UTF-8 text; a file name that is not UTF-8 must be renamed"
    return InvalidInput(f"{operation.id}: {field}: {why}", field=field, hint=hint)


def _event_stream(headers: dict[str, str]) -> bool:
    media_type = headers.get("content-type", "")
    return media_type.split(";", 1)[0].strip().lower() == "text/event-stream"


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return [_query_value(v) for v in value]
    return value
