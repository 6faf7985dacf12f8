"""Observers: one Exchange per HTTP exchange (inner calls of composites too), one
RunFinished per top-level run or stream; request ids and token details; on both faces."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from faces import Face
from openai_connector import APIStatusError, ConnectionFailed, RetryPolicy
from openai_connector.observers import Exchange, RunFinished
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}
DETAILED_USAGE = {
    "prompt_tokens": 20,
    "completion_tokens": 30,
    "total_tokens": 50,
    "prompt_tokens_details": {"cached_tokens": 12, "audio_tokens": 1},
    "completion_tokens_details": {"reasoning_tokens": 25, "audio_tokens": 2},
}


def fields(server: ScriptedServer, events: list[Any], **more: Any) -> dict[str, Any]:
    return {
        "provider": "compatible",
        "base_url": server.url + "/v1",
        "api_key": "sk-observed-secret-1234",
        "observers": [events.append],
        "name": "primary",
        **more,
    }


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_a_plain_call_gives_one_exchange_and_one_run_finished(
    face: Face, server: ScriptedServer
) -> None:
    server.script(Reply(json=chat_body("hello"), headers={"x-request-id": "req-1"}))
    events: list[Any] = []
    result = face.run("chat.create", CHAT, **fields(server, events))
    assert result.request_id == "req-1"
    assert result.to_dict()["meta"]["request_id"] == "req-1"
    assert kinds(events) == ["Exchange", "RunFinished"]
    exchange, finished = events
    assert isinstance(exchange, Exchange) and isinstance(finished, RunFinished)
    assert exchange.operation == exchange.top_operation == "chat.create"
    assert exchange.connection == "primary" and exchange.provider == "compatible"
    assert exchange.model == "gpt-4o-mini"
    assert (exchange.status, exchange.error_code, exchange.attempts) == (200, None, 1)
    assert exchange.request_id == "req-1" and exchange.streamed is False
    assert exchange.usage is not None and exchange.usage.total_tokens == 7
    assert finished.run_id == exchange.run_id and finished.status == 200
    assert exchange.elapsed >= 0 and finished.elapsed >= 0


def test_an_exchange_counts_its_retries_and_names_the_error(
    face: Face, server: ScriptedServer
) -> None:
    server.script(
        Reply(status=500, json={"error": {"message": "boom"}}),
        Reply(status=500, json={"error": {"message": "boom"}}, headers={"apim-request-id": "a-2"}),
    )
    events: list[Any] = []
    with pytest.raises(APIStatusError) as caught:
        face.run(
            "chat.create",
            CHAT,
            call={"retry": RetryPolicy(max_retries=1)},
            **fields(server, events),
        )
    assert caught.value.request_id == "a-2"
    assert caught.value.to_dict()["request_id"] == "a-2"
    assert kinds(events) == ["Exchange", "RunFinished"]
    exchange, finished = events
    assert (exchange.status, exchange.attempts, exchange.request_id) == (500, 2, "a-2")
    assert exchange.error_code == finished.error_code == caught.value.code
    assert exchange.usage is None


def test_chat_create_many_reports_each_inner_call(face: Face, server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body("ok"))
    events: list[Any] = []
    result = face.run(
        "chat.create_many",
        {"model": "gpt-4o-mini", "prompts": ["a", "b", "c"], "concurrency": 2},
        **fields(server, events),
    )
    assert result.body["succeeded"] == 3
    assert kinds(events) == ["Exchange"] * 3 + ["RunFinished"]
    inner, finished = events[:3], events[3]
    assert {e.operation for e in inner} == {"chat.create"}
    assert {e.top_operation for e in inner} == {"chat.create_many"}
    assert {e.run_id for e in inner} == {finished.run_id}
    assert finished.operation == "chat.create_many"
    assert finished.usage is not None and finished.usage.total_tokens == 21


def test_a_wait_reports_every_poll(face: Face, server: ScriptedServer) -> None:
    server.script(
        Reply(json={"id": "ftjob-1", "status": "running"}),
        Reply(json={"id": "ftjob-1", "status": "running"}),
        Reply(json={"id": "ftjob-1", "status": "succeeded"}),
    )
    events: list[Any] = []
    face.run(
        "fine_tuning.jobs.wait",
        {"fine_tuning_job_id": "ftjob-1", "poll_interval": 1},
        **fields(server, events, provider="openai", base_url=server.url + "/v1"),
    )
    assert kinds(events) == ["Exchange"] * 3 + ["RunFinished"]
    assert {e.operation for e in events[:3]} == {"fine_tuning.jobs.retrieve"}
    assert face.sleeps == [1, 1]


def test_connection_test_reports_its_steps_streamed_one_included(
    face: Face, server: ScriptedServer
) -> None:
    usage_chunks = chat_chunks(["OK"])
    usage_chunks[-1]["usage"] = DETAILED_USAGE
    server.script(
        Reply(json={"object": "list", "data": [{"id": "m1"}]}),
        Reply(json=chat_body("OK")),
        Reply(events=usage_chunks, headers={"x-request-id": "req-s"}),
    )
    events: list[Any] = []
    face.run("connection.test", {}, **fields(server, events))
    assert kinds(events) == ["Exchange"] * 3 + ["RunFinished"]
    listed, chat, streamed = events[:3]
    assert (listed.operation, chat.operation, streamed.operation) == (
        "models.list",
        "chat.create",
        "chat.create",
    )
    assert (chat.streamed, streamed.streamed) == (False, True)
    assert streamed.request_id == "req-s"
    assert streamed.usage is not None
    assert (streamed.usage.cached_tokens, streamed.usage.reasoning_tokens) == (12, 25)
    assert streamed.usage.audio_tokens == 3


def test_a_stream_reports_one_exchange_with_its_final_usage(
    face: Face, server: ScriptedServer
) -> None:
    server.script(Reply(events=chat_chunks(["a", "b"]), headers={"x-request-id": "req-9"}))
    events: list[Any] = []
    _, result = face.stream("chat.create", CHAT, **fields(server, events))
    assert result.request_id == "req-9"
    assert kinds(events) == ["Exchange", "RunFinished"]
    exchange, finished = events
    assert exchange.streamed and finished.streamed
    assert exchange.usage is not None and exchange.usage.completion_tokens == 2
    assert finished.run_id == exchange.run_id


def test_usage_details_from_a_plain_body(face: Face, server: ScriptedServer) -> None:
    body = chat_body("hi")
    body["usage"] = DETAILED_USAGE
    server.script(Reply(json=body))
    result = face.run("chat.create", CHAT, **fields(server, []))
    assert result.usage is not None
    assert (result.usage.cached_tokens, result.usage.reasoning_tokens) == (12, 25)
    assert result.to_dict()["meta"]["usage"] == {
        "prompt_tokens": 20,
        "completion_tokens": 30,
        "total_tokens": 50,
        "cached_tokens": 12,
        "reasoning_tokens": 25,
        "audio_tokens": 3,
    }


def test_an_observer_that_raises_never_breaks_the_call(
    face: Face, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.default = Reply(json=chat_body("fine"))
    seen: list[Any] = []

    def broken(event: Any) -> None:
        raise RuntimeError("observer bug near sk-observed-secret-1234")

    options = fields(server, seen)
    options["observers"] = [broken, seen.append]
    with caplog.at_level(logging.WARNING, logger="openai_connector.observers"):
        result = face.run("chat.create_many", {"model": "m", "prompts": ["a", "b"]}, **options)
    assert result.body["succeeded"] == 2
    assert kinds(seen) == ["Exchange", "Exchange", "RunFinished"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "openai_connector.observers"]
    assert len(warnings) == 1, "logged once"
    assert "RuntimeError" in warnings[0] and "sk-observed-secret-1234" not in warnings[0]


def test_events_carry_no_secrets(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(status=401, json={"error": {"message": "bad key sk-observed-secret-1234"}}))
    events: list[Any] = []
    with pytest.raises(APIStatusError):
        face.run("chat.create", CHAT, **fields(server, events))
    assert events and "sk-observed-secret-1234" not in repr(events)


def test_a_transport_error_is_an_exchange_without_a_status(face: Face) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    events: list[Any] = []
    with pytest.raises(ConnectionFailed):
        face.run(
            "chat.create",
            CHAT,
            call={"retry": RetryPolicy(max_retries=1)},
            provider="compatible",
            base_url=f"http://127.0.0.1:{port}/v1",
            api_key="sk-test1234",
            observers=[events.append],
        )
    assert kinds(events) == ["Exchange", "RunFinished"]
    exchange, finished = events
    assert (exchange.status, exchange.error_code, exchange.attempts) == (
        None,
        ConnectionFailed.code,
        2,
    )
    assert exchange.connection is None and finished.error_code == ConnectionFailed.code
