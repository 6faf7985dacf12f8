"""Polling a long-running job (fine-tuning, batch) until it reaches a terminal status.

A plan (:mod:`..steps`): the waits are ``Sleep`` steps and the clock the runner's, both
injected into the connector, so tests run instantly; each poll is reported through
``runner.progress``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidResponse, RequestTimeout
from ..result import Result
from ..steps import Call, Plan, Sleep
from .base import Runner


@dataclass(frozen=True, slots=True)
class Poll:
    operation: str
    """The waiting operation's id (named in progress events and errors)."""
    retrieve: str
    """The operation that fetches the job."""
    params: dict[str, Any]
    what: str
    """The job, for messages: "batch batch_123"."""
    terminal: frozenset[str]
    interval: float
    timeout: float | None
    progress: Callable[[dict[str, Any]], dict[str, Any]]
    """The facts of a job body worth showing at each poll."""


def poll_until(runner: Runner, poll: Poll) -> Plan[Result]:
    """Retrieve the job until its status is terminal; the last retrieve's result.

    ``extra`` gains ``polls`` and ``waited`` (seconds). Past ``timeout`` a RequestTimeout
    is raised (the job itself keeps running).
    """
    started = runner.clock()
    polls = 0
    while True:
        result: Result = yield Call(poll.retrieve, poll.params)
        polls += 1
        body = result.body if isinstance(result.body, dict) else {}
        status = body.get("status")
        if not isinstance(status, str):
            raise InvalidResponse(
                f"{poll.operation}: the answer about {poll.what} has no status",
                result=result,
            )
        waited = runner.clock() - started
        runner.progress(
            {
                "operation": poll.operation,
                "poll": polls,
                "waited": round(waited, 3),
                **poll.progress(body),
                "status": status,
                "done": status in poll.terminal,
            }
        )
        if status in poll.terminal:
            result.extra.update(polls=polls, waited=waited)
            return result
        if poll.timeout is not None and waited >= poll.timeout:
            raise RequestTimeout(
                f"{poll.operation}: {poll.what} is still {status} after {waited:g} s "
                f"({polls} polls)",
                hint="raise timeout, or wait again later: the job keeps running",
            )
        pause = poll.interval
        if poll.timeout is not None:
            pause = min(pause, poll.timeout - waited)
        yield Sleep(pause)
