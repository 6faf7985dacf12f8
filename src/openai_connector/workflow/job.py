"""Camunda 8's job semantics, engine-neutral: what a finished job means for the process.

A job ends in one :class:`Outcome`:

- ``complete``: the variables to set (``resultVariable`` holds the whole response,
  ``resultExpression`` is a FEEL context merged in, then ``zeebe:output`` mappings pick what
  reaches the process when there are any);
- ``bpmn_error``: an error with a code, for an error boundary event (with variables);
- ``fail``: try again after ``backoff`` seconds with ``retries`` left; 0 left is an incident.

``errorExpression`` is evaluated after success (context: variables and ``response``) and after
failure (context: variables and ``error`` = ``{code, message, type, response}``). It returns
``bpmnError(code, message[, variables])``, ``jobError(message[, variables[, retries[,
timeout]]])`` or null (no error: success completes; failure fails with one retry fewer).
``retryBackoff`` (ISO-8601 duration header) defaults to PT0S. The embedded engine uses this
module, and a Zeebe worker can use the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import APIStatusError, ConnectorError
from .definition import ExpressionCache, JobSpec
from .io_mapping import evaluate_outputs

Clock = Callable[[], dt.datetime]
OutcomeKind = Literal["complete", "bpmn_error", "fail"]


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    variables: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    message: str | None = None
    retries: int = 0
    """Retries left after this failure (fail only)."""
    backoff: float = 0.0
    """Seconds to wait before the next try (fail only)."""


def iso_duration_seconds(text: str) -> float:
    """Seconds of an ISO-8601 duration (``PT30S``, ``PT1M30S``, ``P1D``); ValueError if not one."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    try:
        parsed = TimerEventDefinition.parse_iso_duration(text.strip())
        start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        return float(TimerEventDefinition.get_timedelta_from_start(parsed, start).total_seconds())
    except Exception:
        raise ValueError(f"{text!r} is not an ISO-8601 duration such as PT30S") from None


class JobFailed(Exception):
    """Raised by a task handler to fail its job with an error ``code`` (errorExpression sees
    it as ``error.code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def failure_context(exc: Exception) -> dict[str, Any]:
    """The ``error`` an errorExpression sees: ``code`` is the HTTP status text when the
    provider answered (as Camunda's REST connector gives it), else our error code."""
    if isinstance(exc, APIStatusError):
        return {
            "code": str(exc.status),
            "type": exc.code,
            "message": exc.message,
            "response": exc.result.envelope(),
        }
    if isinstance(exc, JobFailed):
        return {"code": exc.code, "type": "job_failed", "message": exc.message, "response": None}
    if isinstance(exc, ConnectorError):
        return {
            "code": exc.code,
            "type": exc.code,
            "message": exc.message,
            "response": None,
            "retryable": exc.source != "user",
        }
    return {"code": type(exc).__name__, "type": "job_failed", "message": str(exc), "response": None}


class JobSemantics:
    """Turns a job's response or failure into an Outcome, per the job's headers."""

    __slots__ = ("cache", "clock")

    def __init__(self, cache: ExpressionCache, clock: Clock) -> None:
        self.cache = cache
        self.clock = clock

    def _evaluate(self, text: str | None, scope: Mapping[str, Any]) -> Any:
        if not text:
            return None
        return self.cache.expression(text).evaluate(scope, clock=self.clock)

    def backoff(self, job: JobSpec) -> float:
        text = job.headers.get("retryBackoff")
        return iso_duration_seconds(text) if text else 0.0

    def after_success(
        self,
        job: JobSpec,
        variables: Mapping[str, Any],
        response: Any,
        local: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """``variables``: the process variables (what result and error expressions see, with
        ``response``); ``local``: the task's inputs, which output mappings also see."""
        scope = {**variables, "response": response}
        thrown = self._thrown(
            job, self._evaluate(job.headers.get("errorExpression"), scope), job.retries
        )
        if thrown is not None:
            return thrown
        result: dict[str, Any] = {}
        name = job.headers.get("resultVariable")
        if name:
            result[name] = response
        expression = job.headers.get("resultExpression")
        if expression:
            mapped = self._evaluate(expression, scope)
            if isinstance(mapped, dict):
                result.update(mapped)
        if job.output_mappings:
            result = evaluate_outputs(
                job.output_mappings,
                {**variables, **(local or {}), **result},
                self.cache,
                self.clock,
            )
        return Outcome("complete", result)

    def after_failure(
        self, job: JobSpec, variables: Mapping[str, Any], error: dict[str, Any], retries: int
    ) -> Outcome:
        """``retries``: the job's retries before this attempt failed."""
        scope = {**variables, "error": error}
        thrown = self._thrown(
            job, self._evaluate(job.headers.get("errorExpression"), scope), retries
        )
        if thrown is not None:
            return thrown
        # an error of ours raised before sending (bad input, refused host, missing secret)
        # cannot go away by trying again: no retries left
        left = retries - 1 if error.get("retryable", True) else 0
        return Outcome(
            "fail",
            code=str(error.get("code")),
            message=str(error.get("message")),
            retries=left,
            backoff=self.backoff(job),
        )

    def _thrown(self, job: JobSpec, value: Any, retries: int) -> Outcome | None:
        if not isinstance(value, dict):
            return None
        kind = value.get("errorType")
        given = value.get("variables")
        variables: dict[str, Any] = given if isinstance(given, dict) else {}
        if kind == "bpmnError":
            return Outcome(
                "bpmn_error",
                dict(variables),
                code=str(value.get("code")),
                message=str(value.get("message") or ""),
            )
        if kind == "jobError":
            left = value.get("retries")
            timeout = value.get("timeout")
            return Outcome(
                "fail",
                dict(variables),
                code="jobError",
                message=str(value.get("message") or ""),
                retries=int(left) if isinstance(left, int) else retries - 1,
                backoff=iso_duration_seconds(timeout)
                if isinstance(timeout, str)
                else self.backoff(job),
            )
        return None
