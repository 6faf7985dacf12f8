"""Did Prism accept what the connector sent?

Prism answers 422 when a request breaks the spec: OpenAI's spec has no 422 response, so
Prism writes the violations into the body (``validation``); Azure's has a default error
response, which Prism sends, with the violations in the ``sl-violations`` header. Any other
error status (401 without auth, 404 for an unknown path, 406, 500) is a failure too: the
request was not checked, or not as the spec says it should be.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from openai_connector import (
    APIStatusError,
    AsyncConnector,
    Connector,
    ConnectorError,
    Result,
    RetryPolicy,
)

NO_RETRY = RetryPolicy(max_retries=0)


def violations(status: int, headers: dict[str, str], body: Any) -> list[str]:
    """Prism's complaints about a request, one line each (empty when it had none)."""
    found: list[dict[str, Any]] = []
    header = headers.get("sl-violations")
    if header:
        found += json.loads(header)
    if status == 422 and isinstance(body, dict) and isinstance(body.get("validation"), list):
        found += body["validation"]
    lines = []
    for item in found:
        if item.get("severity", "Error") != "Error":
            continue
        where = ".".join(str(part) for part in item.get("location", ()))
        lines.append(f"{where}: {item.get('message')}")
    return lines


def _describe(result: Result) -> str:
    text = json.dumps(result.body)[:1500] if not isinstance(result.body, str) else result.body
    lines = violations(result.status, result.headers, result.body)
    if lines:
        return f"HTTP {result.status}; the spec rejects the request:\n  " + "\n  ".join(lines)
    return f"HTTP {result.status} from Prism (not a spec violation report): {text}"


def assert_valid(outcome: Result | BaseException) -> Result:
    """Fail unless ``outcome`` is a 2xx result from Prism without violations.

    ``outcome`` is what a call returned or raised; an ``APIStatusError`` (e.g. the 422 a
    connector raises as BadRequest) fails with Prism's violations in the message.
    """
    if isinstance(outcome, APIStatusError):
        pytest.fail(f"{type(outcome).__name__}: {_describe(outcome.result)}", pytrace=False)
    if isinstance(outcome, BaseException):
        if isinstance(outcome, ConnectorError):
            pytest.fail(
                f"the call failed before Prism could judge it: "
                f"{type(outcome).__name__} ({outcome.code}): {outcome}",
                pytrace=False,
            )
        raise outcome
    if not outcome.ok or violations(outcome.status, outcome.headers, outcome.body):
        pytest.fail(_describe(outcome), pytrace=False)
    return outcome


def capture(call: Callable[[], Result]) -> Result | ConnectorError:
    """What ``call()`` returned, or the ConnectorError it raised."""
    try:
        return call()
    except ConnectorError as exc:
        return exc


def run_valid(connection: dict[str, Any], operation: str, params: Any, **run: Any) -> Result:
    """Run ``operation`` with a sync Connector on ``connection``; assert Prism accepted it.

    No retries: a Prism error answer is reported at once, not retried with real sleeps.
    """
    with Connector(**{"retry": NO_RETRY, **connection}) as connector:
        return assert_valid(capture(lambda: connector.run(operation, params, **run)))


def stream_valid(connection: dict[str, Any], operation: str, params: Any) -> Result:
    """Stream ``operation`` (sync); assert Prism accepted the request; the assembled result."""
    with Connector(**{"retry": NO_RETRY, **connection}) as connector:

        def call() -> Result:
            stream = connector.stream(operation, params)
            for _ in stream:
                pass
            assert stream.result is not None
            return stream.result

        return assert_valid(capture(call))


async def run_valid_async(
    connection: dict[str, Any], operation: str, params: Any, **run: Any
) -> Result:
    """As :func:`run_valid`, with the AsyncConnector (aiohttp)."""
    async with AsyncConnector(**{"retry": NO_RETRY, **connection}) as connector:
        try:
            result = await connector.run(operation, params, **run)
        except ConnectorError as exc:
            return assert_valid(exc)
        return assert_valid(result)


def assert_steps_valid(result: Result) -> None:
    """connection.test: every step that reached Prism was accepted (no 422, no error)."""
    steps = result.body["steps"]
    assert steps, "connection.test recorded no steps"
    bad = [s for s in steps if s.get("status") == 422 or not s.get("ok")]
    assert not bad, f"connection.test steps failed against the spec: {json.dumps(bad)[:3000]}"
