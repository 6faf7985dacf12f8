"""Time is bounded: a server that sends a byte now and then cannot keep a call alive.

The timeout (``timeout.total``) is the time of one attempt, from sending to the last byte;
``retry.deadline`` bounds all attempts. Both hold on both faces for plain and streamed
calls, however the server spreads its bytes. These tests use real time with small values.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from faces import Face
from openai_connector import RequestTimeout, RetryPolicy
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.cli.main import cli
from raw_server import RawRequest, RawServer, chunk, forever, head

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}
TIMEOUT = 0.5
SLACK = 3.0
"""Generous: the machine is shared; without the bound these calls run for 30 s."""


def drip_body(server: RawServer, sock: socket.socket, request: RawRequest) -> bool:
    sock.sendall(head(content_type="application/json", content_length="100000") + b"{")
    server.drip(sock, forever(b" "))
    return False


def drip_headers(server: RawServer, sock: socket.socket, request: RawRequest) -> bool:
    sock.sendall(b"HTTP/1.1 200 OK\r\n")
    server.drip(sock, forever(b"x-slow: ...\r\n"))
    return False


def drip_events(server: RawServer, sock: socket.socket, request: RawRequest) -> bool:
    sock.sendall(head(content_type="text/event-stream", transfer_encoding="chunked"))
    server.drip(sock, forever(chunk(b": still here\n")))
    return False


@pytest.fixture
def dripping(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    answer = request.param
    server = RawServer(lambda sock, req: answer(server, sock, req))
    yield server
    server.stop()


def connection(server: RawServer, **extra: Any) -> dict[str, Any]:
    return {
        "provider": "compatible",
        "base_url": server.url + "/v1",
        "api_key": "sk-test1234",
        "timeout": {"total": TIMEOUT},
        **extra,
    }


@pytest.mark.parametrize("dripping", [drip_body, drip_headers], indirect=True)
def test_a_plain_call_ends_at_its_timeout_however_slowly_the_server_sends(
    face: Face, dripping: RawServer
) -> None:
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        face.run("chat.create", CHAT, retry=RetryPolicy(max_retries=0), **connection(dripping))
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert caught.value.code == "timeout"
    assert exit_code_of(caught.value) == 4
    assert "0.5 s" in caught.value.message


@pytest.mark.parametrize("dripping", [drip_events, drip_body], indirect=True)
def test_a_stream_ends_at_its_timeout_however_slowly_the_server_sends(
    face: Face, dripping: RawServer
) -> None:
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        face.stream("chat.create", CHAT, retry=RetryPolicy(max_retries=0), **connection(dripping))
    assert time.monotonic() - started < TIMEOUT + SLACK


@pytest.mark.parametrize("dripping", [drip_body], indirect=True)
def test_the_deadline_bounds_every_attempt_together(face: Face, dripping: RawServer) -> None:
    policy = RetryPolicy(max_retries=20, base_delay=0, deadline=1.2)
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        face.run("chat.create", CHAT, retry=policy, **connection(dripping))
    assert time.monotonic() - started < 1.2 + SLACK
    assert 2 <= caught.value.attempts <= 4  # not 21 attempts of 0.5 s each


@pytest.mark.parametrize("dripping", [drip_body], indirect=True)
def test_a_per_call_timeout_bounds_a_dripping_call_too(face: Face, dripping: RawServer) -> None:
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        face.run(
            "chat.create",
            CHAT,
            call={"timeout": 0.3, "retry": RetryPolicy(max_retries=0)},
            **{**connection(dripping), "timeout": {"total": 60}},
        )
    assert time.monotonic() - started < 0.3 + SLACK


@pytest.mark.parametrize(
    ("dripping", "stream"), [(drip_body, []), (drip_events, ["--stream"])], indirect=["dripping"]
)
def test_the_cli_timeout_ends_a_dripping_call(dripping: RawServer, stream: list[str]) -> None:
    argv = ["--provider", "compatible", "--base-url", dripping.url + "/v1"]
    argv += ["--api-key", "sk-test1234", "--timeout", "0.5", "--max-retries", "0"]
    started = time.monotonic()
    result = CliRunner().invoke(cli, [*argv, "chat", "--prompt", "hi", "--model", "m", *stream])
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert result.exit_code == 4
    assert "0.5 s" in result.stderr
