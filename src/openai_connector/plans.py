"""The core's plans: one call, planned once for both faces (see :mod:`.steps`).

:func:`run` plans a whole ``run()``: prepare (listing a compatible server's models first
when the call names none), then the operation's own plan (a composite's) or one exchange
with its retries (:func:`exchange`, the one retry loop of the package). The faces drive
these plans with their own transport; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .errors import APIStatusError, ConnectorError, TransportError, UnknownOperation
from .operations import registry
from .operations.base import ModelNotNamed, Operation, Progress
from .result import Result
from .steps import Blocking, Call, Collect, OpenStream, Plan, ReadBody, SaveBody, Send, Sleep, Step
from .transport.retry import RetryClock

if TYPE_CHECKING:
    from .connection import RetryPolicy
    from .core import Core, Prepared
    from .observers import Run
    from .operations.base import Context
    from .streaming import StreamState

MODELS_NOT_LISTED = frozenset({404, 405, 501})
"""Statuses of a server that has no model list (other errors, e.g. 401, are reported as such)."""


def prepare(
    core: Core,
    operation: str | Operation,
    params: Any,
    *,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
    prepare: Callable[[], Prepared] | None = None,
) -> Plan[Prepared]:
    """Validate and build the call; list the server's models first if it names none.

    Resolving secrets may read files and fetching an Entra ID token runs a command: a
    connection that may do either, and a call naming local files, is prepared as
    :class:`~.steps.Blocking` work."""
    build = prepare or (lambda: core.prepare(operation, params, retry=retry, timeout=timeout))
    blocks = core.blocks or _reads_files(core, operation, params)
    while True:
        try:
            if blocks:
                prepared: Prepared = yield Blocking(build)
                return prepared
            return build()
        except ModelNotNamed as signal:
            yield from list_models(core, signal)


def _reads_files(core: Core, operation: str | Operation, params: Any) -> bool:
    try:
        op = operation if isinstance(operation, Operation) else registry.get(operation)
    except UnknownOperation:
        return False  # refused when prepared
    return core.reads_files(op, params)


def list_models(core: Core, signal: ModelNotNamed) -> Plan[None]:
    """Ask the compatible server for its models (once per connector)."""
    try:
        listed: Result = yield Call("models.list", {})
    except APIStatusError as exc:
        if exc.status not in MODELS_NOT_LISTED:
            raise
        raise core.models_not_listed(signal, exc) from None
    core.remember_models(listed.body)


def run(
    core: Core,
    operation: str | Operation,
    params: Any,
    *,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
    progress: Progress | None = None,
    observed: Run | None = None,
) -> Plan[Result]:
    """The plan of ``run()``: an operation's envelope, or its ConnectorError (redacted).

    A call (or a composite's item) that names no model on a compatible server lists the
    server's models first, then runs again."""
    while True:  # one generator for the whole call (the usual one yields only its Send)
        try:
            op = operation if isinstance(operation, Operation) else registry.get(operation)
            if core.blocks or core.reads_files(op, params):
                # a token command, secret files or local files: not on the event loop
                prepared: Prepared = yield Blocking(
                    partial(core.prepare, op, params, retry=retry, timeout=timeout)
                )
            else:  # the usual call: no step, no generator
                prepared = core.prepare(op, params, retry=retry, timeout=timeout)
            spec = prepared.spec
            if op.runner is not None:
                result: Result = yield from op.runner(Composite(core, progress), prepared.data)
            elif spec is not None and spec.stream:
                result = yield Collect(prepared)
            elif spec is not None and spec.download is not None:
                result = yield from exchange(core, prepared, partial(_save, prepared), observed)
            else:
                result = yield from exchange(core, prepared, None, observed)
            post = op.post_process
            if post is not None:
                if core.writes_files(op):  # e.g. images.generate's output_dir: not on the loop
                    result = yield Blocking(partial(post, result, prepared.data, core.context))
                else:
                    result = post(result, prepared.data, core.context)
            return result
        except ModelNotNamed as signal:  # its own errors are raised as list_models gives them
            yield from list_models(core, signal)
        except ConnectorError as exc:
            raise core.redact_error(exc) from None


def _save(prepared: Prepared, clock: RetryClock) -> Plan[Result]:
    result: Result = yield SaveBody(prepared, clock)
    return result


def prepare_stream(
    core: Core,
    operation: str | Operation,
    params: Any,
    *,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
) -> Plan[Prepared]:
    """Prepare a streamed call (an operation that cannot stream is refused)."""
    return prepare(
        core,
        operation,
        params,
        prepare=lambda: core.prepare_stream(operation, params, retry=retry, timeout=timeout),
    )


def exchange(
    core: Core,
    prepared: Prepared,
    attempt: Callable[[RetryClock], Plan[Any]] | None,
    observed: Run | None,
) -> Plan[Any]:
    """One logical request with its retries: the one retry loop of the package.

    Without ``attempt`` each attempt sends the request and reads the answer whole; with it,
    ``attempt(clock)`` plans one attempt (open a stream, save a download). An outcome that
    is not a :class:`Result` (an open stream) ends the loop as it is; an error status is
    retried as the policy says, then raised."""
    request = prepared.request
    assert request is not None
    clock = RetryClock(prepared.policy, core.clock)
    per_attempt = request.timeout
    try:
        while True:
            if clock.attempt and core.token_command is not None:  # a retry: the token may be new
                request.headers.update((yield Blocking(core.auth_headers)))
            logged = core.start_attempt(prepared, clock, per_attempt)
            try:
                if attempt is None:
                    response = yield Send(request)
                    if logged:
                        core.log_response(
                            request,
                            response.status,
                            response.headers,
                            response.content,
                            clock.attempt_elapsed(),
                        )
                    outcome: Any = core.result(prepared, response, clock.attempt, clock.started)
                else:
                    outcome = yield from attempt(clock)
            except TransportError as exc:
                pause = core.pause_after_error(prepared, clock, exc)
            else:
                if not isinstance(outcome, Result) or outcome.ok:
                    if observed is not None and isinstance(outcome, Result):
                        core.observers.exchange(
                            observed,
                            prepared.operation.id,
                            model_of(prepared),
                            clock.started,
                            core.clock(),
                            result=outcome,
                        )
                    return outcome
                pause = core.pause_after_status(prepared, clock, outcome)
            if pause > 0:
                yield Sleep(pause)
    except ConnectorError as exc:
        if observed is not None:
            core.observers.exchange(
                observed,
                prepared.operation.id,
                model_of(prepared),
                clock.started,
                core.clock(),
                error=exc,
                streamed=attempt is not None and prepared.spec is not None and prepared.spec.stream,
            )
        raise


def open_stream(state: StreamState, request: Any, clock: RetryClock) -> Plan[Any]:
    """One attempt of a stream: its open answer, or the Result of an answer that is not an
    event stream (an error status, or a server that did not stream)."""
    state.clock = clock
    stream = yield OpenStream(request)
    if state.is_event_stream(stream.status, stream.headers):
        return stream
    content: bytes = yield ReadBody(stream)
    return state.plain_result(stream.status, stream.headers, content)


def model_of(prepared: Prepared) -> str | None:
    """The model (Azure: deployment) a call names, as sent: the input's, the connection's
    ``default_model`` or the one a compatible server listed, in the body, the form or the
    path."""
    spec = prepared.spec
    if spec is not None:
        if spec.model is not None:
            return spec.model
        fields = spec.json if isinstance(spec.json, dict) else spec.multipart
        model = fields.get("model") if fields is not None else None
        if isinstance(model, str):
            return model
    model = getattr(prepared.data, "model", None)
    return model if isinstance(model, str) else None


class Composite:
    """What a composite operation's plan may use besides steps: the context, progress
    events and the connector's clock (its calls and pauses are :mod:`.steps`)."""

    __slots__ = ("_core", "_progress", "context")

    def __init__(self, core: Core, progress: Progress | None) -> None:
        self._core = core
        self._progress = progress
        self.context: Context = core.context

    def progress(self, event: dict[str, Any]) -> None:
        if self._progress is not None:
            self._progress(event)

    def clock(self) -> float:
        return self._core.clock()


__all__ = [
    "Composite",
    "Step",
    "exchange",
    "list_models",
    "open_stream",
    "prepare",
    "prepare_stream",
    "run",
]
