"""Usage rows of runs: one per exchange, with the caller, tags, tokens, cost; no prompts."""

from __future__ import annotations

import pytest
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service

from scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.databases("sqlite", "postgresql")

HI = {"operation": "chat.create", "params": {"prompt": "a secret plan"}}


def test_a_run_writes_one_row_with_who_what_and_how_much(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    operator = service.client_with_role("operator", "billing-bot")
    server.default = Reply(json=CHAT_BODY, headers={"x-request-id": "req-9"})
    assert operator.post(f"/api/connectors/{made['id']}/execute", json=HI).status_code == 200
    [row] = service.store.usage.rows()
    assert row["connector"] == "support" and row["operation"] == "chat.create"
    assert row["model"] == "gpt-4o-mini" and row["provider"] == "compatible"
    assert row["status"] == 200 and row["error_code"] is None
    assert (row["prompt_tokens"], row["completion_tokens"]) == (10, 5)
    assert row["cost_usd"] == service.admin.client.app.state.prices.cost("gpt-4o-mini", 10, 5)
    assert row["caller"] == "billing-bot" and row["tags"] == ["prod"]
    assert row["request_id"] == "req-9" and row["attempts"] == 1
    assert row["latency_ms"] is not None and row["streamed"] is False
    assert "a secret plan" not in repr(row)


def test_a_failed_exchange_is_a_row_with_its_code(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(status=429, json={"error": {"message": "slow down"}})
    service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI)
    [row] = service.store.usage.rows()
    assert row["status"] == 429 and row["error_code"] == "rate_limited"
    assert row["cost_usd"] is not None or row["model"] is not None


def test_a_refusal_before_sending_writes_no_row(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "chat.create", "params": {"temperature": 7}},
    )
    assert service.store.usage.rows() == []


def test_an_unknown_model_costs_null(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(json={**CHAT_BODY, "model": "my-local-llama"})
    asked = {"operation": "chat.create", "params": {"prompt": "hi", "model": "my-local-llama"}}
    service.admin.post(f"/api/connectors/{made['id']}/execute", json=asked)
    [row] = service.store.usage.rows()
    assert row["model"] == "my-local-llama" and row["cost_usd"] is None


def test_metrics_count_calls_errors_and_tokens(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI)
    server.default = Reply(status=500, json={"error": {"message": "boom"}})
    service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI)
    viewer = service.client_with_role("viewer")
    response = viewer.get("/metrics")
    assert response.status_code == 200
    text = response.text
    labels = 'connector="support",operation="chat.create"'
    assert f"openai_connector_calls_total{{{labels}}} 2.0" in text
    assert (
        'openai_connector_tokens_total{connector="support",kind="prompt",'
        'operation="chat.create"} 10.0' in text
    )
    assert "openai_connector_errors_total{" in text and 'code="server_error"' in text
    assert f"openai_connector_call_seconds_count{{{labels}}} 2.0" in text
    assert service.anonymous.get("/metrics").status_code == 401


def test_content_is_kept_only_for_a_connector_that_opts_in_and_then_redacted(
    service: Service, server: ScriptedServer
) -> None:
    from run_fixtures import PLANTED

    plain = make_connector(service, server)
    keeper = make_connector(service, server, name="keeper", log_content=True)
    assert keeper["log_content"] is True and plain["log_content"] is False
    server.default = Reply(json=CHAT_BODY)
    said = {
        "operation": "chat.create",
        "params": {"prompt": f"my key is {PLANTED} and sk-proj-abcdefghijklmnop1234"},
    }
    service.admin.post(f"/api/connectors/{plain['id']}/execute", json=said)
    service.admin.post(f"/api/connectors/{keeper['id']}/execute", json=said)
    rows = {row["connector"]: row for row in service.store.usage.rows()}
    assert rows["support"]["content"] is None
    content = rows["keeper"]["content"]
    assert "my key is ***" in content["input"] and PLANTED not in content["input"]
    assert "sk-proj-abcdefghijklmnop1234" not in content["input"]
    assert content["output"] == "Hello!"
    changed = service.admin.patch("/api/connectors/keeper", json={"log_content": False}).json()
    assert changed["log_content"] is False


def test_the_default_deployment_is_the_rows_model_and_is_priced(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(
        service,
        server,
        provider="azure",
        config={"endpoint": server.url, "default_model": "gpt-4o-mini"},
        secrets={"api_key": "azure-key-1"},
    )
    server.default = Reply(json=CHAT_BODY)
    assert service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI).status_code == 200
    assert server.requests[0].path == "/openai/deployments/gpt-4o-mini/chat/completions"
    [row] = service.store.usage.rows()
    cost = service.admin.client.app.state.prices.cost("gpt-4o-mini", 10, 5)
    assert row["model"] == "gpt-4o-mini" and row["cost_usd"] == cost is not None
    summary = service.admin.get("/api/usage/summary").json()
    assert summary["totals"]["cost_usd"] == cost
    assert summary["by_connector"][0]["unpriced_calls"] == 0
