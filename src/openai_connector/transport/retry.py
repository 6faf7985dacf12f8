"""Retry decisions as pure functions; the loop that sleeps lives in the connector.

``attempt`` counts the attempts already made (1 after the first try).
"""

from __future__ import annotations

import datetime
import email.utils
import random
import time
from collections.abc import Callable, Mapping

from ..connection import RetryPolicy
from ..errors import InvalidResponse, TransportError


def should_retry(
    policy: RetryPolicy,
    attempt: int,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    error_code: str | None = None,
    error: TransportError | None = None,
) -> bool:
    """Whether a failed attempt (an error status or a transport error) is worth another."""
    if attempt > policy.max_retries:
        return False
    if error_code == "insufficient_quota":
        return False
    verdict = (headers or {}).get("x-should-retry")
    if verdict == "true":
        return True
    if verdict == "false":
        return False
    if error is not None:
        return policy.retry_on_all_errors or not isinstance(error, InvalidResponse)
    if status is None or status < 400:
        return False
    if status in policy.retry_statuses or status >= 500:
        return True
    return policy.retry_on_all_errors


def retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``Retry-After``), if any."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(float(value) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # not a number nor an HTTP date: as if absent
    if parsed.tzinfo is None:  # "-0000" or no zone: HTTP dates are GMT
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return max(parsed.timestamp() - now(), 0.0)


def backoff(policy: RetryPolicy, attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Delay before the next attempt when the server said nothing."""
    if policy.backoff == "fixed":
        return policy.base_delay
    delay: float = min(policy.base_delay * 2.0 ** (attempt - 1), policy.max_delay)
    if policy.jitter:
        delay *= 1 - 0.25 * rand()
    return delay


def delay(
    policy: RetryPolicy,
    attempt: int,
    headers: Mapping[str, str] | None = None,
    *,
    rand: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float | None:
    """Seconds to wait: the server's word, else backoff.

    None when the server asks for longer than ``retry_after_cap``: that wait is not made,
    the call fails instead (with the server's answer, so the caller can decide).
    """
    if headers:
        try:
            asked = retry_after(headers, now)
        except (TypeError, ValueError, IndexError):
            asked = None
        if asked is not None:
            return asked if asked <= policy.retry_after_cap else None
    return backoff(policy, attempt, rand)


class RetryClock:
    """Counts attempts and keeps the overall deadline for one call."""

    __slots__ = ("attempt", "attempt_started", "clock", "policy", "started")

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.started = self.attempt_started = clock()
        self.attempt = 0

    def begin_attempt(self) -> None:
        self.attempt += 1
        self.attempt_started = self.clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def attempt_elapsed(self) -> float:
        """Seconds since the current attempt began (pauses before it not counted)."""
        return self.clock() - self.attempt_started

    def attempt_timeout(self, per_attempt: float) -> float:
        """The time the next attempt may take, within the overall deadline."""
        if self.policy.deadline is None:
            return per_attempt
        return max(min(per_attempt, self.policy.deadline - self.elapsed()), 0.001)

    def next_delay(
        self,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        error_code: str | None = None,
        error: TransportError | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """The pause before another attempt, or None to give up now."""
        if not should_retry(
            self.policy,
            self.attempt,
            status=status,
            headers=headers,
            error_code=error_code,
            error=error,
        ):
            return None
        pause = delay(self.policy, self.attempt, headers, rand=rand)
        if pause is None:
            return None
        if self.policy.deadline is not None and self.elapsed() + pause >= self.policy.deadline:
            return None
        return pause
