"""What a run refuses before anything is sent: budgets, rates, the strict policy, keys."""

from __future__ import annotations

import pytest
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service
from service_client import error_of

from openai_connector.store import UsageRecord
from scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.databases("sqlite", "postgresql")

HI = {"operation": "chat.create", "params": {"prompt": "Hi"}}


def test_a_connector_over_its_monthly_budget_is_refused_before_sending(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server, monthly_budget_usd=1.0)
    service.store.usage.record(
        UsageRecord(operation="chat.create", connector="support", cost_usd=1.25)
    )
    server.default = Reply(json=CHAT_BODY)
    response = service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI)
    assert response.status_code == 402
    assert error_of(response)["code"] == "budget_exceeded"
    assert server.requests == []


def test_spending_is_counted_from_the_runs_usage_rows(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server, monthly_budget_usd=0.0000001)
    server.default = Reply(json=CHAT_BODY)
    assert service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI).status_code == 200
    row = service.store.usage.rows()[0]
    assert row["cost_usd"] is not None and row["cost_usd"] > 0
    assert service.admin.post(f"/api/connectors/{made['id']}/execute", json=HI).status_code == 402
    assert len(server.requests) == 1


def test_a_key_over_its_rate_is_429_with_retry_after(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    _, key = service.store.keys.create("batch", "operator", rate_limit_per_minute=2)
    client = service.admin.as_key(key)
    server.default = Reply(json=CHAT_BODY)
    for _ in range(2):
        assert client.post(f"/api/connectors/{made['id']}/execute", json=HI).status_code == 200
    response = client.post(f"/api/connectors/{made['id']}/execute", json=HI)
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert int(response.headers["retry-after"]) >= 1
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"prompt": "{{secrets.OPENAI_KEY}}"}, "prompt"),
        ({"prompt": "Hi", "images": ["/etc/passwd"]}, "images"),
        ({"prompt": "Hi", "images": ["../../etc/passwd"]}, "images"),
    ],
)
def test_secret_references_and_local_paths_in_params_are_not_honoured(
    service: Service, server: ScriptedServer, params: dict[str, object], field: str
) -> None:
    service.admin.put("/api/secrets/OPENAI_KEY", json={"value": "sk-stored-secret-31415"})
    made = make_connector(service, server)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute", json={"operation": "chat.create", "params": params}
    )
    assert response.status_code == 422, response.text
    assert error_of(response)["field"].startswith(field)
    assert server.requests == []
    assert "sk-stored-secret-31415" not in response.text


@pytest.mark.parametrize("path", ["https://evil.example/v1/x", "//evil.example/x", "http:/x"])
def test_raw_request_to_an_absolute_or_scheme_relative_url_is_refused(
    service: Service, server: ScriptedServer, path: str
) -> None:
    made = make_connector(service, server)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "raw.request", "params": {"method": "GET", "path": path}},
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "path"
    assert server.requests == []


def test_who_may_run(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    url = f"/api/connectors/{made['id']}/execute"
    assert service.anonymous.post(url, json=HI).status_code == 401
    assert service.admin.as_key("ocs_not-a-key").post(url, json=HI).status_code == 401
    viewer = service.client_with_role("viewer")
    response = viewer.post(url, json=HI)
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    operator = service.client_with_role("operator", "ops")
    server.default = Reply(json=CHAT_BODY)
    assert operator.post(url, json=HI).status_code == 200
    service.store.keys.revoke("ops")
    response = operator.post(url, json=HI)
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_key"
    assert len(server.requests) == 1


def test_a_json_body_over_the_limit_is_413(tmp_path, server: ScriptedServer) -> None:  # type: ignore[no-untyped-def]
    from service_app import start

    store, client = start(tmp_path / "d", max_json_bytes=2000)
    _, key = store.keys.create("admin", "admin")
    with client:
        response = client.post(
            "/api/connectors/x/execute",
            json={"operation": "chat.create", "params": {"prompt": "x" * 5000}},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    store.close()
