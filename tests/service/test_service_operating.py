"""Operating the service: JSON access log lines, graceful shutdown with calls in flight."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service

from openai_connector.service import ServiceSettings, create_app
from openai_connector.service.access_log import JsonLines, log_as_json_lines
from openai_connector.store import Store
from scripted_server import Reply, ScriptedServer


def test_one_json_line_per_request_with_the_caller(
    service: Service, server: ScriptedServer
) -> None:
    out = io.StringIO()
    handler = log_as_json_lines(out)
    try:
        made = make_connector(service, server)
        server.default = Reply(json=CHAT_BODY)
        service.admin.post(
            f"/api/connectors/{made['id']}/execute?x=sk-in-a-query",
            json={"operation": "chat.create", "params": {"prompt": "Hi"}},
        )
    finally:
        logger = logging.getLogger("openai_connector.service")
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    access = [line for line in lines if line["logger"].endswith("access")]
    last = access[-1]
    assert last["method"] == "POST" and last["status"] == 200 and last["caller"] == "admin"
    assert last["path"] == f"/api/connectors/{made['id']}/execute"
    assert last["latency_ms"] >= 0
    assert "sk-in-a-query" not in out.getvalue()
    assert all("time" in line and "level" in line for line in lines)
    assert JsonLines().format(logging.makeLogRecord({"msg": "x"}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, key: str, body: dict[str, Any], out: list[Any]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        out.append((response.status, response.read().decode()))


@pytest.mark.timeout(60)
def test_shutdown_lets_calls_and_streams_in_flight_finish(
    tmp_path: Path, server: ScriptedServer
) -> None:
    data_dir = tmp_path / "d"
    store = Store.open(None, data_dir, {})
    app = create_app(ServiceSettings(data_dir=data_dir, environ={}), store=store)
    _, key = store.keys.create("admin", "admin")
    port = _free_port()
    uv = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=20
        )
    )
    thread = threading.Thread(target=uv.run)
    thread.start()
    try:
        while not uv.started:
            time.sleep(0.02)
        from service_client import ServiceClient
        from starlette.testclient import TestClient

        service = Service(store, ServiceClient(TestClient(app), key), data_dir)
        made = make_connector(service, server)
        events = [
            {
                "object": "chat.completion.chunk",
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": "Hi"}}],
            }
        ]
        server.replies.extend([Reply(json=CHAT_BODY, delay=1.0)])
        server.default = Reply(events=events, delay=1.0)
        url = f"http://127.0.0.1:{port}/api/connectors/{made['id']}/execute"
        results: list[Any] = []
        callers = [
            threading.Thread(
                target=_post,
                args=(url, key, {"operation": "chat.create", "params": {"prompt": "Hi"}}, results),
            ),
            threading.Thread(
                target=_post,
                args=(
                    url,
                    key,
                    {"operation": "chat.create", "params": {"prompt": "Hi"}, "stream": True},
                    results,
                ),
            ),
        ]
        for caller in callers:
            caller.start()
            time.sleep(0.1)
        deadline = time.monotonic() + 5
        while app.state.in_flight.count < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.state.in_flight.count == 2
        uv.should_exit = True
        for caller in callers:
            caller.join(30)
    finally:
        uv.should_exit = True
        thread.join(30)
        store.close()
    assert sorted(status for status, _ in results) == [200, 200]
    texts = [text for _, text in results]
    assert any('"Hello!"' in text for text in texts)
    assert any(
        text.rstrip().splitlines()[0].startswith("event: delta") and "event: result" in text
        for text in texts
    )
