"""Streams that break: cut off, never finished, never ending. None may pass as an answer."""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from openai_connector import RequestTimeout, RetryPolicy, StreamInterrupted
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Reply, ScriptedServer, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}


def test_a_whole_stream_is_assembled(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["Hel", "lo", "!"])))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["Hel", "lo", "!"]
    assert result.text == "Hello!"
    assert result.attempts == 1
    assert result.usage is not None and result.usage.total_tokens == 8
    assert server.requests[0].json["stream"] is True


def test_a_stream_cut_mid_way_is_interrupted_not_a_short_answer(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["Hel", "lo"], usage=False)[:2], cut=True))
    seen: list[str] = []
    with pytest.raises(StreamInterrupted) as caught:
        face.stream("chat.create", CHAT, on_chunk=lambda c: seen.append(c.text or ""), **conn)
    error = caught.value
    assert error.code == "stream_interrupted"
    assert exit_code_of(error) == 4
    assert "incomplete" in str(error) or "interrupted" in str(error)
    assert "Hel" not in str(error)  # it does not pretend to hold the answer
    assert len(server.requests) == 1  # chunks were already delivered: no silent retry


def test_a_stream_without_done_is_interrupted(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["Hel", "lo"])[:3], done=False))
    with pytest.raises(StreamInterrupted) as caught:
        face.stream("chat.create", CHAT, **conn)
    assert "incomplete" in str(caught.value)


def test_run_of_a_streamed_call_also_refuses_a_cut_stream(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["Hel"])[:2], cut=True))
    with pytest.raises(StreamInterrupted):
        face.run("chat.create", {**CHAT, "stream": True}, **conn)


def test_a_provider_error_event_mid_stream_is_interrupted(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    events = [*chat_chunks(["Hel"])[:2], {"error": {"message": "overloaded", "type": "server"}}]
    server.script(Reply(events=events, done=False))
    with pytest.raises(StreamInterrupted) as caught:
        face.stream("chat.create", CHAT, **conn)
    assert "overloaded" in str(caught.value)


def test_a_stream_that_never_ends_times_out(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["Hel", "lo"])[:3], hang=True))
    with pytest.raises(RequestTimeout) as caught:
        face.stream(
            "chat.create",
            CHAT,
            call={"timeout": 0.6},
            retry=RetryPolicy(max_retries=0),
            **conn,
        )
    assert caught.value.code == "timeout"
    assert exit_code_of(caught.value) == 4


def test_a_stream_that_never_ends_is_bounded_by_the_deadline(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(events=chat_chunks(["Hel"])[:2], hang=True))
    with pytest.raises(RequestTimeout):
        face.stream(
            "chat.create",
            CHAT,
            call={"timeout": 60},
            retry=RetryPolicy(max_retries=3, deadline=0.6),
            **conn,
        )
    assert len(server.requests) == 1


def test_a_reset_before_the_stream_starts_is_retried(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(reset=True), Reply(events=chat_chunks(["ok"])))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == ["ok"]
    assert result.attempts == 2


def test_a_server_that_does_not_stream_still_gives_a_result(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    from scripted_server import chat_body

    server.script(Reply(json=chat_body("whole")))
    texts, result = face.stream("chat.create", CHAT, **conn)
    assert texts == []
    assert result.text == "whole"
    assert result.extra["streamed"] is False


class FakeTime:
    """A clock that moves only when the connector sleeps."""

    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_a_retry_after_a_long_pause_gets_its_own_full_timeout(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    clock = FakeTime()

    def sleep(seconds: float) -> None:
        face.sleeps.append(seconds)
        clock.now += seconds

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    server.script(
        Reply(429, json={"error": {"message": "wait"}}, headers={"retry-after": "10"}),
        Reply(events=chat_chunks(["still ", "fine"])),
    )
    texts, result = face.stream(
        "chat.create",
        CHAT,
        call={"timeout": 5},
        clock=clock,
        sleep=sleep if face.kind == "sync" else async_sleep,
        **conn,
    )
    # the 10 s pause is not part of the second attempt's 5 s
    assert "".join(texts) == "still fine"
    assert result.attempts == 2
