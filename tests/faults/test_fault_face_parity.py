"""The sync face is as sound as the async one: streams left early, composite operations
inside a running event loop, and base URLs that cannot be joined with paths."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from openai_connector import AsyncConnector, ConfigError, Connector, Result
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.cli.main import cli
from raw_server import RawRequest, RawServer, chunk, forever, head
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}


def event(data: Any) -> bytes:
    return chunk(f"data: {json.dumps(data)}\n\n".encode())


@pytest.fixture
def slow_stream() -> Iterator[RawServer]:
    """Streams its events slowly, one every 0.1 s (so some are still to come when the
    client leaves); answers a plain chat at once. Keeps connections open between calls."""

    def answer(sock: socket.socket, request: RawRequest) -> bool:
        if request.method == "GET":  # the models list, for a call that names no model
            body = json.dumps({"object": "list", "data": [{"id": "only-model"}]}).encode()
            sock.sendall(head(content_length=str(len(body))) + body)
            return True
        if json.loads(request.body).get("stream"):
            first, *rest = chat_chunks(["tick"] * 100)
            sock.sendall(head(content_type="text/event-stream", transfer_encoding="chunked"))
            sock.sendall(event(first))
            server.drip(sock, (event(item) for item in itertools.chain(rest, forever({}))))
            return False
        body = json.dumps(chat_body("after the stream")).encode()
        sock.sendall(head(content_type="application/json", content_length=str(len(body))) + body)
        return True

    server = RawServer(answer)
    yield server
    server.stop()


def fields(server: RawServer | ScriptedServer) -> dict[str, Any]:
    return {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}


def assert_next_call_is_clean(server: RawServer, result: Result) -> None:
    chats = [r for r in server.requests if r.method == "POST"]
    assert result.text == "after the stream"
    assert result.attempts == 1
    assert len(chats) == 2  # the stream, then the chat sent once
    assert chats[1].connection != chats[0].connection
    assert server.closed_early.wait(3)  # the stream's connection was closed, not left open


@pytest.mark.parametrize("model", ["named", "listed"])
@pytest.mark.parametrize("leave", ["break", "with", "close"])
def test_a_sync_stream_left_early_closes_its_connection(
    slow_stream: RawServer, leave: str, model: str
) -> None:
    params = CHAT if model == "named" else {"prompt": "hi"}  # listed: the server's one model
    with Connector(**fields(slow_stream)) as connector:
        stream = connector.stream("chat.create", params)
        if leave == "break":
            for _ in stream:
                break
        elif leave == "with":
            with stream:
                next(iter(stream))
        else:
            next(iter(stream))
            stream.close()
        result = connector.run("chat.create", CHAT)
    assert_next_call_is_clean(slow_stream, result)


@pytest.mark.parametrize("model", ["named", "listed"])
@pytest.mark.parametrize("leave", ["with", "aclose", "break"])
def test_an_async_stream_left_early_closes_its_connection(
    slow_stream: RawServer, leave: str, model: str
) -> None:
    params = CHAT if model == "named" else {"prompt": "hi"}  # listed: the server's one model

    async def go() -> Result:
        async with AsyncConnector(**fields(slow_stream)) as connector:
            stream = connector.stream("chat.create", params)
            if leave == "with":
                async with stream:
                    async for _ in stream:
                        break
            else:
                async for _ in stream:
                    break
                if leave == "aclose":
                    await stream.aclose()
            return await connector.run("chat.create", CHAT)

    assert_next_call_is_clean(slow_stream, asyncio.run(go()))


def test_a_stream_read_to_its_end_keeps_its_connection(server: ScriptedServer) -> None:
    server.script(Reply(events=chat_chunks(["a", "b"])), Reply(json=chat_body("next")))
    with Connector(**fields(server)) as connector:
        stream = connector.stream("chat.create", CHAT)
        with stream:
            assert [c.text for c in stream if c.text] == ["a", "b"]
        assert connector.run("chat.create", CHAT).text == "next"
    assert len(server.requests) == 2


def healthy(request: Recorded) -> Reply:
    if request.path.endswith("/models"):
        return Reply(json={"object": "list", "data": [{"id": "local-model", "object": "model"}]})
    if request.json.get("stream"):
        return Reply(events=chat_chunks(["OK"]))
    return Reply(json=chat_body("OK"))


COMPOSITES = [
    ("connection.test", {}),
    ("chat.create_many", {"model": "m", "prompts": ["a", "b", "c"], "concurrency": 2}),
]


@pytest.mark.parametrize(("operation", "params"), COMPOSITES)
def test_sync_composites_run_inside_a_running_event_loop(
    server: ScriptedServer, operation: str, params: dict[str, Any]
) -> None:
    server.default = healthy
    threads = threading.active_count()

    async def handler() -> Result:  # as in Jupyter or an async web handler
        with Connector(**fields(server)) as connector:
            return connector.run(operation, params)

    result = asyncio.run(handler())
    assert result.status == 200
    assert result.body if operation == "chat.create_many" else result.body["ok"] is True
    assert threading.active_count() == threads  # the worker thread was joined


@pytest.mark.parametrize(("operation", "params"), COMPOSITES)
def test_sync_composites_run_in_a_worker_thread(
    server: ScriptedServer, operation: str, params: dict[str, Any]
) -> None:
    server.default = healthy
    outcome: list[Result] = []
    with Connector(**fields(server)) as connector:
        worker = threading.Thread(target=lambda: outcome.append(connector.run(operation, params)))
        worker.start()
        worker.join(30)
    assert outcome and outcome[0].status == 200


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("base_url", "http://127.0.0.1:9/v1?api-version=1"),
        ("base_url", "http://127.0.0.1:9/v1#models"),
        ("endpoint", "https://res.openai.azure.com/?x=1"),
    ],
)
@pytest.mark.parametrize("face", [Connector, AsyncConnector])
def test_a_base_url_with_a_query_or_fragment_is_refused(
    face: type[Connector] | type[AsyncConnector], field: str, url: str
) -> None:
    provider = "azure" if field == "endpoint" else "compatible"
    with pytest.raises(ConfigError) as caught:
        face(provider=provider, api_key="sk-test1234", **{field: url})
    assert caught.value.message.startswith(f"connection: {field}: has a query or fragment")
    assert "query setting" in caught.value.message
    assert exit_code_of(caught.value) == 2


def test_the_cli_refuses_a_base_url_with_a_query(server: ScriptedServer) -> None:
    argv = ["--provider", "compatible", "--base-url", server.url + "/v1?key=sk-secret1234"]
    result = CliRunner().invoke(cli, [*argv, "chat", "--prompt", "hi", "--model", "m"])
    assert result.exit_code == 2
    assert "base_url" in result.stderr
    assert "sk-secret1234" not in result.stderr
    assert server.requests == []
