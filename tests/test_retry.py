"""The pure retry decisions: whether to retry, how long to wait, when the deadline stops us."""

from __future__ import annotations

import email.utils

import pytest

from openai_connector import (
    ConnectionFailed,
    InvalidResponse,
    RequestTimeout,
    RetryPolicy,
    StreamInterrupted,
)
from openai_connector.transport.retry import (
    RetryClock,
    backoff,
    delay,
    retry_after,
    should_retry,
)

DEFAULT = RetryPolicy()
NOW = 1_700_000_000.0


def now() -> float:
    return NOW


# ------------------------------------------------------------------ should_retry


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 520, 599])
def test_retryable_statuses(status: int) -> None:
    assert should_retry(DEFAULT, 1, status=status)


@pytest.mark.parametrize("status", [200, 301, 400, 401, 403, 404, 413, 422])
def test_statuses_not_retried(status: int) -> None:
    assert not should_retry(DEFAULT, 1, status=status)


def test_max_retries_counts_retries_after_the_first_attempt() -> None:
    policy = RetryPolicy(max_retries=2)
    assert should_retry(policy, 1, status=500)
    assert should_retry(policy, 2, status=500)
    assert not should_retry(policy, 3, status=500)
    assert not should_retry(RetryPolicy(max_retries=0), 1, status=500)


def test_insufficient_quota_is_never_retried() -> None:
    assert should_retry(DEFAULT, 1, status=429, error_code="rate_limit_exceeded")
    assert not should_retry(DEFAULT, 1, status=429, error_code="insufficient_quota")
    everything = RetryPolicy(retry_on_all_errors=True)
    assert not should_retry(everything, 1, status=429, error_code="insufficient_quota")
    told = {"x-should-retry": "true"}
    assert not should_retry(DEFAULT, 1, status=429, headers=told, error_code="insufficient_quota")


def test_x_should_retry_header_decides() -> None:
    assert should_retry(DEFAULT, 1, status=400, headers={"x-should-retry": "true"})
    assert not should_retry(DEFAULT, 1, status=503, headers={"x-should-retry": "false"})
    assert should_retry(DEFAULT, 1, status=503, headers={"x-should-retry": "maybe"})
    # but never past max_retries
    assert not should_retry(DEFAULT, 3, status=400, headers={"x-should-retry": "true"})


def test_retry_on_all_errors_retries_client_errors() -> None:
    policy = RetryPolicy(retry_on_all_errors=True)
    for status in (400, 401, 404, 422):
        assert should_retry(policy, 1, status=status)
    assert not should_retry(policy, 1, status=200)


def test_custom_retry_statuses() -> None:
    policy = RetryPolicy(retry_statuses=frozenset({425}))
    assert should_retry(policy, 1, status=425)
    assert not should_retry(policy, 1, status=429)
    assert should_retry(policy, 1, status=500)  # a 5xx is always worth another try


def test_transport_errors() -> None:
    assert should_retry(DEFAULT, 1, error=ConnectionFailed("refused"))
    assert should_retry(DEFAULT, 1, error=RequestTimeout("slow"))
    assert should_retry(DEFAULT, 1, error=StreamInterrupted("cut"))
    assert not should_retry(DEFAULT, 1, error=InvalidResponse("not JSON"))
    assert should_retry(RetryPolicy(retry_on_all_errors=True), 1, error=InvalidResponse("x"))
    assert not should_retry(DEFAULT, 3, error=ConnectionFailed("refused"))


# ------------------------------------------------------------------- retry_after


def test_retry_after_seconds() -> None:
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after": "0.5"}) == 0.5
    assert retry_after({"retry-after": "-3"}) == 0.0


def test_retry_after_ms() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after-ms": "soon", "retry-after": "9"}) == 9.0


def test_retry_after_http_date() -> None:
    later = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after({"retry-after": later}, now) == pytest.approx(30.0)
    earlier = email.utils.formatdate(NOW - 30, usegmt=True)
    assert retry_after({"retry-after": earlier}, now) == 0.0


def test_retry_after_http_date_without_a_zone_is_gmt(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")  # not GMT, so a local-time reading shows
    time.tzset()
    try:
        later = email.utils.formatdate(NOW + 90, usegmt=True)
        minus_zero = later.replace("GMT", "-0000")
        assert retry_after({"retry-after": minus_zero}, now) == pytest.approx(90)
        no_zone = later.removesuffix(" GMT")
        assert retry_after({"retry-after": no_zone}, now) == pytest.approx(90)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_retry_after_absent_or_unreadable() -> None:
    assert retry_after({}) is None
    assert retry_after({"retry-after": ""}) is None
    assert retry_after({"retry-after": "whenever"}) is None
    assert retry_after({"retry-after-ms": "x", "retry-after": "Thu, 99 Foo"}) is None
    assert delay(DEFAULT, 1, {"retry-after": "whenever"}, rand=lambda: 0.0, now=now) == 0.5


# ----------------------------------------------------------------------- backoff


def test_exponential_backoff_without_jitter_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(jitter=False, base_delay=0.5, max_delay=8)
    assert [backoff(policy, n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 8, 8]


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 10])
def test_jitter_stays_within_a_quarter_below_the_exponential_delay(attempt: int) -> None:
    full = min(0.5 * 2 ** (attempt - 1), 8.0)
    assert backoff(DEFAULT, attempt, rand=lambda: 0.0) == full
    assert backoff(DEFAULT, attempt, rand=lambda: 0.999999) == pytest.approx(full * 0.75, rel=1e-5)
    assert full * 0.75 <= backoff(DEFAULT, attempt) <= full


def test_backoff_base_and_cap_are_configurable() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=3, jitter=False)
    assert [backoff(policy, n) for n in (1, 2, 3, 4)] == [1, 2, 3, 3]


def test_fixed_backoff() -> None:
    policy = RetryPolicy(backoff="fixed", base_delay=1.5)
    assert [backoff(policy, n, rand=lambda: 0.9) for n in (1, 2, 5)] == [1.5, 1.5, 1.5]


def test_delay_prefers_the_servers_word_up_to_the_cap() -> None:
    policy = RetryPolicy(retry_after_cap=10)
    assert delay(policy, 1, {"retry-after": "4"}, rand=lambda: 0.0) == 4.0
    assert delay(policy, 1, {"retry-after": "10"}, rand=lambda: 0.0) == 10.0
    # longer than the cap: not waited for, the call fails with the server's answer
    assert delay(policy, 1, {"retry-after": "400"}, rand=lambda: 0.0) is None
    assert delay(policy, 1, {"retry-after-ms": "10001"}, rand=lambda: 0.0) is None
    assert delay(policy, 1, {"retry-after-ms": "20"}, rand=lambda: 0.0) == 0.02
    assert delay(policy, 3, {}, rand=lambda: 0.0) == 2.0
    assert delay(policy, 3, None, rand=lambda: 0.0) == 2.0


# --------------------------------------------------------------------- RetryClock


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_clock_gives_up_when_the_pause_would_pass_the_deadline() -> None:
    clock = Clock()
    policy = RetryPolicy(max_retries=10, backoff="fixed", base_delay=2, deadline=5)
    retry = RetryClock(policy, clock)
    retry.attempt = 1
    assert retry.next_delay(status=500) == 2
    clock.now += 2
    retry.attempt = 2
    assert retry.next_delay(status=500) == 2
    clock.now += 2.5
    retry.attempt = 3
    assert retry.next_delay(status=500) is None


def test_clock_shortens_an_attempt_to_what_is_left_of_the_deadline() -> None:
    clock = Clock()
    retry = RetryClock(RetryPolicy(deadline=10), clock)
    assert retry.attempt_timeout(30) == 10
    clock.now += 7
    assert retry.attempt_timeout(30) == pytest.approx(3)
    assert retry.attempt_timeout(1) == 1
    clock.now += 5
    assert 0 < retry.attempt_timeout(30) < 0.01
    assert RetryClock(RetryPolicy(), clock).attempt_timeout(30) == 30


def test_clock_respects_max_retries_and_the_servers_word() -> None:
    retry = RetryClock(RetryPolicy(max_retries=1), Clock())
    retry.attempt = 1
    assert retry.next_delay(status=429, headers={"retry-after": "7"}) == 7
    assert retry.next_delay(status=429, headers={"retry-after": "61"}) is None
    assert retry.next_delay(status=429, error_code="insufficient_quota") is None
    assert retry.next_delay(status=404) is None
    assert retry.next_delay(error=ConnectionFailed("x"), rand=lambda: 0.0) == 0.5
    retry.attempt = 2
    assert retry.next_delay(status=500) is None
    assert retry.elapsed() == 0


def test_policy_limits_are_validated() -> None:
    from pydantic import ValidationError

    for bad in ({"max_retries": -1}, {"base_delay": -1}, {"deadline": 0}, {"backoff": "linear"}):
        with pytest.raises(ValidationError):
            RetryPolicy(**bad)


def test_clock_times_each_attempt_from_its_own_start() -> None:
    clock = Clock()
    retry = RetryClock(RetryPolicy(), clock)
    retry.begin_attempt()
    clock.now += 4
    assert retry.attempt == 1 and retry.attempt_elapsed() == 4
    clock.now += 10  # the pause before the next attempt
    retry.begin_attempt()
    clock.now += 1
    assert retry.attempt == 2
    assert retry.attempt_elapsed() == 1
    assert retry.elapsed() == 15
