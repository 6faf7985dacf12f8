"""The one runner: composites on the calling face, one request per stream, no loop stalls."""

from __future__ import annotations

import asyncio
import gc
import shlex
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from openai_connector import AsyncConnector, Connector, StreamInterrupted
from openai_connector.operations import registry
from openai_connector.transport.request import HttpRequest, HttpResponse, SyncStream
from openai_connector.transport.sync import Urllib3Transport
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}


def fields(server: ScriptedServer) -> dict[str, Any]:
    return {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}


class CountingTransport:
    """A sync transport that records every request it is given (and the thread)."""

    def __init__(self) -> None:
        self.inner = Urllib3Transport()
        self.sent: list[str] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def _seen(self, request: HttpRequest) -> None:
        with self._lock:
            self.sent.append(f"{request.method} {request.url}")
            self.threads.add(threading.current_thread().name)

    def send(self, request: HttpRequest) -> HttpResponse:
        self._seen(request)
        return self.inner.send(request)

    def open_stream(self, request: HttpRequest) -> SyncStream:
        self._seen(request)
        return self.inner.open_stream(request)

    def close(self) -> None:
        self.inner.close()


def test_an_injected_sync_transport_sees_every_call_of_chat_create_many(
    server: ScriptedServer,
) -> None:
    server.default = Reply(json=chat_body("ok"))
    transport = CountingTransport()
    with Connector(**fields(server), transport=transport) as connector:
        result = connector.run(
            "chat.create_many",
            {"model": "gpt-4o-mini", "prompts": ["a", "b", "c", "d"], "concurrency": 3},
        )
    assert result.body["succeeded"] == 4
    assert [r["body"]["choices"][0]["message"]["content"] for r in result.body["results"]] == [
        "ok"
    ] * 4
    assert len(transport.sent) == 4 == len(server.requests)
    assert all(line.endswith("/v1/chat/completions") for line in transport.sent)


def test_sync_composites_need_no_event_loop_even_inside_one(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body("ok"))
    transport = CountingTransport()

    async def inside_a_running_loop() -> Any:
        with Connector(**fields(server), transport=transport) as connector:
            return connector.run("chat.create_many", {"model": "m", "prompts": ["a"]})

    result = asyncio.run(inside_a_running_loop())
    assert result.body["succeeded"] == 1
    assert transport.threads == {threading.current_thread().name}  # one item: no worker


def test_connection_test_runs_all_steps_on_the_injected_sync_transport(
    server: ScriptedServer,
) -> None:
    server.script(
        Reply(json={"object": "list", "data": [{"id": "m1"}]}),
        Reply(json=chat_body("OK")),
        Reply(events=chat_chunks(["OK"])),
    )
    transport = CountingTransport()
    with Connector(**fields(server), transport=transport) as connector:
        result = connector.run("connection.test", {})
    assert result.body["ok"] is True
    assert [line.rsplit("/v1", 1)[1] for line in transport.sent] == [
        "/models",
        "/chat/completions",
        "/chat/completions",
    ]


@pytest.mark.parametrize("read", ["all", "part"])
def test_a_sync_stream_iterated_then_collected_sends_once(
    server: ScriptedServer, read: str
) -> None:
    server.script(Reply(events=chat_chunks(["a", "b", "c"])))
    with Connector(**fields(server)) as connector:
        stream = connector.stream("chat.create", CHAT)
        chunks = iter(stream)
        if read == "all":
            texts = [c.text for c in chunks if c.text]
        else:
            texts = [c.text for c in [next(chunks), next(chunks)] if c.text]
        result = stream.collect()
        assert stream.collect() is result
    assert result.text == "abc"
    assert texts == (["a", "b", "c"] if read == "all" else ["a"])
    assert len(server.requests) == 1


@pytest.mark.parametrize("read", ["all", "part"])
def test_an_async_stream_iterated_then_collected_sends_once(
    server: ScriptedServer, read: str
) -> None:
    server.script(Reply(events=chat_chunks(["a", "b", "c"])))

    async def go() -> str | None:
        async with AsyncConnector(**fields(server)) as connector:
            stream = connector.stream("chat.create", CHAT)
            chunks = stream.__aiter__()
            await chunks.__anext__()
            if read == "all":
                async for _ in chunks:
                    pass
            result = await stream.collect()
            assert await stream.collect() is result
            return result.text

    assert asyncio.run(go()) == "abc"
    assert len(server.requests) == 1


def test_collect_after_a_stream_was_left_early_does_not_send_again(
    server: ScriptedServer,
) -> None:
    server.script(Reply(events=chat_chunks(["a", "b", "c"])))
    with Connector(**fields(server)) as connector:
        stream = connector.stream("chat.create", CHAT)
        for _ in stream:
            break  # the iteration is dropped: its connection is closed
        with pytest.raises(StreamInterrupted, match="left before its end"):
            stream.collect()
    assert len(server.requests) == 1


def test_the_async_loop_never_stalls_on_the_token_command(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """A token command that takes 1 s runs in a thread: a ticker sees no gap over 50 ms."""
    server.default = Reply(json=chat_body("ok"))
    script = tmp_path / "token.py"
    script.write_text("import time\ntime.sleep(1)\nprint('tok-123')\n")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"

    async def go() -> tuple[float, str | None]:
        largest = 0.0
        done = False

        async def ticker() -> None:
            nonlocal largest
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                largest = max(largest, now - last)
                last = now

        async with AsyncConnector(
            provider="azure",
            endpoint=server.url,
            azure_ad_token_command=command,
            api_version="2024-10-21",
        ) as connector:
            ticking = asyncio.create_task(ticker())
            await asyncio.sleep(0.02)
            result = await connector.run("chat.create", {**CHAT, "model": "dep"})
            done = True
            await ticking
        return largest, result.text

    registry.get("chat.create")  # its module imported before the measure
    gaps = []
    for _ in range(3):  # a busy machine may delay one run; a blocked loop stalls 1 s every run
        gc.collect()
        gc.disable()  # a collection of the whole test run's heap is not the connector's work
        try:
            largest, text = asyncio.run(go())
        finally:
            gc.enable()
        assert text == "ok"
        gaps.append(largest)
        if largest < 0.05:
            break
    assert server.requests[0].headers.get("authorization") == "Bearer tok-123"
    assert max(gaps) < 0.5, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"
    assert min(gaps) < 0.05, f"the event loop stalled for {min(gaps) * 1000:.0f} ms"
