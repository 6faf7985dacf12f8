"""Observers: see every HTTP exchange of a connector, and the end of every run.

``Connector(..., observers=[...], name="...")`` (and the same on ``AsyncConnector``) calls
each observer with one :class:`Exchange` per HTTP exchange (a logical request after its
retries: ``attempts`` says how many), the inner calls of composite operations included,
and one :class:`RunFinished` per top-level ``run()`` or ``stream()``. Events carry no
secrets. An observer that raises never breaks the call: the error is logged once (redacted)
and that observer is called on as before.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .usage import Usage

if TYPE_CHECKING:
    from .errors import ConnectorError
    from .result import Result
    from .secrets import Redactor

log = logging.getLogger("openai_connector.observers")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP exchange (also each inner call of a composite), after its retries."""

    run_id: str
    operation: str
    connection: str | None
    provider: str
    model: str | None
    status: int | None
    error_code: str | None
    usage: Usage | None
    attempts: int
    request_id: str | None
    elapsed: float
    streamed: bool
    top_operation: str
    """The operation the caller ran (``chat.create_many`` for its inner ``chat.create``)."""


@dataclass(frozen=True, slots=True)
class RunFinished:
    """One top-level ``run()``/``stream()`` ended (``usage`` sums a composite's calls)."""

    run_id: str
    operation: str
    connection: str | None
    provider: str
    model: str | None
    status: int | None
    error_code: str | None
    usage: Usage | None
    attempts: int
    request_id: str | None
    elapsed: float
    streamed: bool


Observer = Callable[[Exchange | RunFinished], None]


class Observers:
    """A connector's observers, its name, and what each event says about the connection."""

    __slots__ = ("_failed", "_observers", "active", "name", "provider", "redactor")

    def __init__(
        self, observers: Sequence[Observer], name: str | None, provider: str, redactor: Redactor
    ) -> None:
        self._observers = tuple(observers)
        self.active = bool(self._observers)
        """Whether anyone listens (checked on every call: an attribute, not a method)."""
        self._failed: set[int] = set()
        self.name = name
        self.provider = provider
        self.redactor = redactor

    def __bool__(self) -> bool:
        return bool(self._observers)

    def start(self, operation: str) -> Run:
        return Run(uuid.uuid4().hex, operation)

    def exchange(
        self,
        run: Run,
        operation: str,
        model: str | None,
        started: float,
        now: float,
        *,
        result: Result | None = None,
        error: ConnectorError | None = None,
        streamed: bool = False,
    ) -> None:
        status, code, usage, attempts, request_id = _outcome(result, error)
        self.emit(
            Exchange(
                run.id,
                operation,
                self.name,
                self.provider,
                self.redactor(model) if model else model,
                status,
                code,
                usage,
                attempts,
                request_id,
                now - started,
                streamed,
                run.operation,
            )
        )

    def finished(
        self,
        run: Run,
        model: str | None,
        started: float,
        now: float,
        *,
        result: Result | None = None,
        error: BaseException | None = None,
        streamed: bool = False,
    ) -> None:
        from .errors import ConnectorError

        failure = error if isinstance(error, ConnectorError) else None
        status, code, usage, attempts, request_id = _outcome(result, failure)
        if error is not None and failure is None:
            code = type(error).__name__
        self.emit(
            RunFinished(
                run.id,
                run.operation,
                self.name,
                self.provider,
                self.redactor(model) if model else model,
                status,
                code,
                usage,
                attempts,
                request_id,
                now - started,
                streamed,
            )
        )

    def emit(self, event: Exchange | RunFinished) -> None:
        for observer in self._observers:
            try:
                observer(event)
            except Exception as exc:  # an observer's bug never breaks the call
                key = id(observer)
                if key not in self._failed:
                    self._failed.add(key)
                    log.warning(
                        "observer %s raised %s: %s (further errors of it are not logged)",
                        self.redactor(getattr(observer, "__qualname__", repr(observer))),
                        type(exc).__name__,
                        self.redactor(str(exc)),
                    )


class Run:
    """One top-level run: its id and the operation the caller named (a plain slotted class:
    no dataclass to define at start-up)."""

    __slots__ = ("id", "operation")

    def __init__(self, id: str, operation: str) -> None:
        self.id = id
        self.operation = operation


def _outcome(
    result: Result | None, error: ConnectorError | None
) -> tuple[int | None, str | None, Usage | None, int, str | None]:
    """(status, error code, usage, attempts, request id) of a result or an error."""
    if error is not None:
        failed: Any = getattr(error, "result", None)
        status = failed.status if failed is not None else None
        attempts = getattr(error, "attempts", None) or (failed.attempts if failed else 1)
        return status, error.code, None, attempts, error.request_id
    assert result is not None
    return result.status, None, result.usage, result.attempts, result.request_id
