"""Error statuses from the provider: which are retried, how long we wait, when we give up."""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from openai_connector import (
    BadRequest,
    QuotaExceeded,
    RateLimited,
    RetryPolicy,
    ServerError,
)
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Reply, ScriptedServer, chat_body

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}


def error_reply(status: int, message: str, code: str | None = None, **kwargs: Any) -> Reply:
    error = {"message": message, "type": "error", "code": code}
    return Reply(status, json={"error": error}, **kwargs)


def test_429_with_retry_after_is_retried_once_after_the_told_delay(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(429, "slow down", "rate_limit_exceeded", headers={"Retry-After": "3"}),
        Reply(json=chat_body("after the wait")),
    )
    result = face.run("chat.create", CHAT, **conn)
    assert result.status == 200
    assert result.text == "after the wait"
    assert result.attempts == 2
    assert result.to_dict()["meta"]["attempts"] == 2
    assert face.sleeps == [3.0]
    assert len(server.requests) == 2


def test_retry_after_ms_wins_over_retry_after(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(
            429,
            "slow down",
            "rate_limit_exceeded",
            headers={"retry-after-ms": "1500", "Retry-After": "9"},
        ),
        Reply(json=chat_body()),
    )
    result = face.run("chat.create", CHAT, **conn)
    assert result.attempts == 2
    assert face.sleeps == [1.5]


def test_retry_after_longer_than_the_cap_is_not_waited_for(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(429, "come back in an hour", headers={"Retry-After": "3600"}),
        Reply(json=chat_body()),
    )
    policy = RetryPolicy(retry_after_cap=5)
    with pytest.raises(RateLimited) as caught:
        face.run("chat.create", CHAT, call={"retry": policy}, **conn)
    assert caught.value.result.attempts == 1
    assert caught.value.result.headers["retry-after"] == "3600"  # the caller can decide
    assert face.sleeps == []
    assert len(server.requests) == 1


def test_retry_after_within_the_cap_is_waited_for(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(429, "slow down", headers={"Retry-After": "5"}),
        Reply(json=chat_body()),
    )
    result = face.run("chat.create", CHAT, call={"retry": RetryPolicy(retry_after_cap=5)}, **conn)
    assert result.attempts == 2
    assert face.sleeps == [5.0]


def test_insufficient_quota_is_not_retried(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    body = {
        "error": {
            "message": "You exceeded your current quota.",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
    }
    server.script(Reply(429, json=body, headers={"Retry-After": "1"}))
    with pytest.raises(QuotaExceeded) as caught:
        face.run("chat.create", CHAT, **conn)
    error = caught.value
    assert isinstance(error, RateLimited)
    assert error.code == "quota_exceeded"
    assert error.retryable is False
    assert error.source == "user"
    assert error.status == 429
    assert error.result.body == body
    assert error.result.attempts == 1
    assert error.to_dict()["response"]["body"] == body
    assert "quota" in str(error)
    assert len(server.requests) == 1
    assert face.sleeps == []


def test_500_three_times_gives_up_after_max_retries_with_the_last_envelope(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        *(
            error_reply(500, f"boom {n}", "server_error", headers={"x-attempt": str(n)})
            for n in (1, 2, 3)
        ),
        Reply(json=chat_body("never reached")),
    )
    with pytest.raises(ServerError) as caught:
        face.run("chat.create", CHAT, retry=RetryPolicy(max_retries=2), **conn)
    error = caught.value
    assert error.code == "server_error"
    assert error.retryable is True
    assert exit_code_of(error) == 3
    assert error.result.attempts == 3
    assert error.result.status == 500
    assert error.result.body["error"]["message"] == "boom 3"
    assert error.result.headers["x-attempt"] == "3"
    assert error.to_dict()["response"]["headers"]["x-attempt"] == "3"
    assert "boom 3" in str(error)
    assert len(server.requests) == 3
    assert len(face.sleeps) == 2


def test_default_backoff_is_exponential_within_jitter(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = error_reply(503, "busy")
    with pytest.raises(ServerError):
        face.run("chat.create", CHAT, retry=RetryPolicy(max_retries=3), **conn)
    assert len(server.requests) == 4
    first, second, third = face.sleeps
    assert 0.375 <= first <= 0.5
    assert 0.75 <= second <= 1.0
    assert 1.5 <= third <= 2.0


def test_per_call_retry_policy_overrides_the_connection(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.default = error_reply(500, "boom")
    with pytest.raises(ServerError) as caught:
        face.run(
            "chat.create",
            CHAT,
            call={"retry": RetryPolicy(max_retries=0)},
            retry=RetryPolicy(max_retries=5),
            **conn,
        )
    assert caught.value.result.attempts == 1
    assert len(server.requests) == 1


def test_x_should_retry_true_retries_a_status_that_is_not_retried_otherwise(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(400, "try again", headers={"x-should-retry": "true"}),
        Reply(json=chat_body()),
    )
    result = face.run("chat.create", CHAT, **conn)
    assert result.attempts == 2
    assert len(server.requests) == 2


def test_x_should_retry_false_stops_a_retryable_status(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(503, "do not bother", headers={"x-should-retry": "false"}),
        Reply(json=chat_body()),
    )
    with pytest.raises(ServerError) as caught:
        face.run("chat.create", CHAT, **conn)
    assert caught.value.result.attempts == 1
    assert len(server.requests) == 1
    assert face.sleeps == []


def test_a_400_is_not_retried_by_default(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(error_reply(400, "bad"), Reply(json=chat_body()))
    with pytest.raises(BadRequest):
        face.run("chat.create", CHAT, **conn)
    assert len(server.requests) == 1


def test_retry_on_all_errors_retries_a_400(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(error_reply(400, "flaky gateway"), Reply(json=chat_body()))
    result = face.run("chat.create", CHAT, retry=RetryPolicy(retry_on_all_errors=True), **conn)
    assert result.status == 200
    assert result.attempts == 2


def test_retry_on_all_errors_still_never_retries_insufficient_quota(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(
        error_reply(429, "no quota", "insufficient_quota"),
        Reply(json=chat_body()),
    )
    with pytest.raises(QuotaExceeded):
        face.run("chat.create", CHAT, retry=RetryPolicy(retry_on_all_errors=True), **conn)
    assert len(server.requests) == 1


def test_fixed_backoff_waits_the_same_each_time(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(error_reply(500, "a"), error_reply(502, "b"), Reply(json=chat_body()))
    policy = RetryPolicy(backoff="fixed", base_delay=0.25)
    result = face.run("chat.create", CHAT, retry=policy, **conn)
    assert result.attempts == 3
    assert face.sleeps == [0.25, 0.25]


class FakeTime:
    """A clock that moves only when the connector sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_overall_deadline_stops_retrying_before_it_would_be_passed(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    clock = FakeTime()

    def sleep(seconds: float) -> None:
        face.sleeps.append(seconds)
        clock.advance(seconds)

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    server.default = error_reply(500, "down")
    policy = RetryPolicy(max_retries=10, backoff="fixed", base_delay=2, deadline=5)
    with pytest.raises(ServerError) as caught:
        face.run(
            "chat.create",
            CHAT,
            retry=policy,
            clock=clock,
            sleep=sleep if face.kind == "sync" else async_sleep,
            **conn,
        )
    # t=0 fail, wait 2; t=2 fail, wait 2; t=4 fail: another 2 s would pass the 5 s deadline
    assert caught.value.result.attempts == 3
    assert face.sleeps == [2, 2]
    assert len(server.requests) == 3


def test_error_statuses_are_retried_on_streamed_calls_too(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    from scripted_server import chat_chunks

    server.script(
        error_reply(429, "slow down", headers={"retry-after": "1"}),
        Reply(events=chat_chunks(["Hel", "lo"])),
    )
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert "".join(texts) == "Hello"
    assert result.attempts == 2
    assert face.sleeps == [1.0]
