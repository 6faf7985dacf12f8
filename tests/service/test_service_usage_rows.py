"""Usage rows from the connector's observer: one per HTTP exchange (a composite's inner calls
each), streamed usage, cached and reasoning tokens, written off the event loop and all of
them by shutdown; a row that cannot be written never fails the call."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service, start
from service_client import ServiceClient
from sqlalchemy.exc import OperationalError
from test_service_execute_stream import EVENTS

from openai_connector.service.usage_writer import UsageWriter
from openai_connector.store import UsageRecord
from scripted_server import Reply, ScriptedServer

DETAILED = {
    **CHAT_BODY,
    "usage": {
        "prompt_tokens": 100,
        "completion_tokens": 40,
        "total_tokens": 140,
        "prompt_tokens_details": {"cached_tokens": 64},
        "completion_tokens_details": {"reasoning_tokens": 32},
    },
}


def _execute(client: ServiceClient, ref: str, operation: str, params: dict[str, Any]) -> Any:
    return client.post(
        f"/api/connectors/{ref}/execute", json={"operation": operation, "params": params}
    )


def test_a_composite_run_writes_one_row_per_inner_exchange(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY, headers={"x-request-id": "req-many"})
    caller = service.client_with_role("operator", "batch-bot")
    params = {"prompts": ["one", "two", "three"]}
    response = _execute(caller, made["id"], "chat.create_many", params)
    assert response.status_code == 200, response.text
    rows = service.store.usage.rows()
    assert len(rows) == 3
    for row in rows:
        assert row["operation"] == "chat.create" and row["connector"] == "support"
        assert row["caller"] == "batch-bot" and row["tags"] == ["prod"]
        assert (row["prompt_tokens"], row["completion_tokens"]) == (10, 5)
        assert row["cost_usd"] is not None and row["request_id"] == "req-many"
    metrics = service.client_with_role("viewer").get("/metrics").text
    assert 'openai_connector_calls_total{connector="support",operation="chat.create"} 3.0' in (
        metrics
    )


def test_a_streamed_chat_row_has_the_usage_of_its_last_chunk(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(events=EVENTS)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "chat.create", "params": {"prompt": "Hi"}, "stream": True},
    )
    assert response.status_code == 200 and "event: result" in response.text
    [row] = service.store.usage.rows()
    assert row["streamed"] is True and row["status"] == 200
    assert (row["prompt_tokens"], row["completion_tokens"]) == (7, 2)
    assert row["cost_usd"] is not None


def test_cached_and_reasoning_tokens_are_stored_and_counted(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=DETAILED)
    assert _execute(service.admin, made["id"], "chat.create", {"prompt": "hi"}).status_code == 200
    [row] = service.store.usage.rows()
    assert (row["cached_tokens"], row["reasoning_tokens"]) == (64, 32)
    metrics = service.client_with_role("viewer").get("/metrics").text
    for kind, count in (("cached", 64), ("reasoning", 32)):
        assert (
            f'openai_connector_tokens_total{{connector="support",kind="{kind}",'
            f'operation="chat.create"}} {count}.0' in metrics
        )


def test_retries_count_attempts_beyond_the_first(service: Service, server: ScriptedServer) -> None:
    made = make_connector(
        service,
        server,
        config={
            "base_url": server.url + "/v1",
            "default_model": "gpt-4o-mini",
            "retry": {"max_retries": 2, "base_delay": 0.001, "max_delay": 0.001},
        },
    )
    server.script(Reply(status=500, json={"error": {"message": "boom"}}), Reply(json=CHAT_BODY))
    assert _execute(service.admin, made["id"], "chat.create", {"prompt": "hi"}).status_code == 200
    [row] = service.store.usage.rows()
    assert row["attempts"] == 2
    metrics = service.client_with_role("viewer").get("/metrics").text
    labels = 'connector="support",operation="chat.create"'
    assert f"openai_connector_retries_total{{{labels}}} 1.0" in metrics


def test_the_database_down_while_writing_never_fails_the_call(
    service: Service, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)

    def down(*rows: UsageRecord) -> None:
        raise OperationalError("INSERT INTO usage", {}, Exception("database is locked"))

    monkeypatch.setattr(service.store.usage, "record", down)
    with caplog.at_level(logging.ERROR, logger="openai_connector.service.usage"):
        response = _execute(service.admin, made["id"], "chat.create", {"prompt": "hi"})
        assert response.status_code == 200
        assert response.json()["body"]["choices"][0]["message"]["content"] == "Hello!"
        server.default = Reply(events=EVENTS)
        streamed = service.admin.post(
            f"/api/connectors/{made['id']}/execute",
            json={"operation": "chat.create", "params": {"prompt": "Hi"}, "stream": True},
        )
    assert streamed.status_code == 200 and "event: result" in streamed.text
    assert "usage: 1 row(s) not written: OperationalError" in caplog.text
    metrics = service.client_with_role("viewer").get("/metrics").text
    assert "openai_connector_usage_rows_lost_total 2.0" in metrics


def test_every_row_queued_is_written_by_shutdown(tmp_path: Path, server: ScriptedServer) -> None:
    store, client = start(tmp_path / "data")
    writer = client.app.state.usage_writer  # type: ignore[attr-defined]
    gate = threading.Event()
    record = store.usage.record

    def slow(*rows: UsageRecord) -> None:
        gate.wait(10)
        record(*rows)

    store.usage.record = slow  # type: ignore[method-assign]
    with client:
        queued = [writer.submit([_row(n)]) for n in range(5)]  # returns at once
        assert store.usage.rows() == [] and not any(f.done() for f in queued)
        threading.Timer(0.05, gate.set).start()
    # leaving the client runs the app's shutdown: it waits for the queued rows
    assert sorted(row["request_id"] for row in store.usage.rows()) == [f"r{n}" for n in range(5)]
    writer.submit([_row(9)])  # after shutdown a row is written at once, not lost
    assert len(store.usage.rows()) == 6
    store.close()


def test_a_writer_reports_rows_it_could_not_write(tmp_path: Path) -> None:
    store, _ = start(tmp_path / "data")
    lost: list[int] = []
    writer = UsageWriter(store, lost.append)
    store.close()
    store.usage.record = _raise  # type: ignore[method-assign]
    future = writer.submit([_row(1), _row(2)])
    assert future is not None and future.result(5) is None
    writer.close()
    assert lost == [2]


def _raise(*rows: UsageRecord) -> None:
    raise OperationalError("INSERT", {}, Exception("unable to open database file"))


def _row(n: int) -> UsageRecord:
    return UsageRecord(operation="chat.create", connector="support", request_id=f"r{n}")
