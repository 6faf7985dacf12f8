"""``POST /api/connectors/{id}/test`` keeps its outcome on the connector: ``GET
/api/connectors`` (and ``/{id}``) show the last test, its time and each step's summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from run_fixtures import CHAT_BODY, make_connector
from service_app import Service

from openai_connector.store import Store
from scripted_server import Recorded, Reply, ScriptedServer

CHUNK = {
    "object": "chat.completion.chunk",
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "delta": {"content": "OK"}}],
}


def _works(recorded: Recorded) -> Reply:
    if recorded.path.endswith("/models"):
        return Reply(json={"object": "list", "data": [{"id": "gpt-4o-mini"}]})
    if recorded.json.get("stream"):
        return Reply(events=[CHUNK])
    return Reply(json=CHAT_BODY)


def _listed(service: Service, connector_id: str) -> dict[str, object]:
    listed = service.admin.get("/api/connectors").json()
    return next(c for c in listed if c["id"] == connector_id)


def test_a_connector_never_tested_shows_no_last_test(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    assert made["last_test"] is None
    assert _listed(service, made["id"])["last_test"] is None


def test_a_passing_test_is_kept_with_its_time_and_steps(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = _works
    before = datetime.now(UTC)
    response = service.admin.post(f"/api/connectors/{made['id']}/test")
    after = datetime.now(UTC)
    assert response.status_code == 200, response.text
    last = _listed(service, made["id"])["last_test"]
    assert isinstance(last, dict)
    assert last["ok"] is True
    assert before <= datetime.fromisoformat(last["time"]) <= after
    assert last["time"] == response.json()["time"]
    assert [(s["step"], s["ok"], s["status"]) for s in last["steps"]] == [
        ("models.list", True, 200),
        ("chat.create", True, 200),
        ("chat.create (stream)", True, 200),
    ]
    assert all(s["elapsed_ms"] >= 0 for s in last["steps"])
    one = service.admin.get(f"/api/connectors/{made['id']}").json()
    assert one["last_test"] == last
    assert one["updated"] == made["updated"]  # a test changes no setting


def test_a_failing_test_keeps_the_failed_step_and_the_providers_error(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(
        status=401, json={"error": {"message": "Incorrect API key provided", "code": "bad"}}
    )
    assert service.admin.post(f"/api/connectors/{made['id']}/test").status_code == 502
    last = _listed(service, made["id"])["last_test"]
    assert isinstance(last, dict) and last["ok"] is False
    (step,) = last["steps"]
    assert (step["step"], step["ok"], step["status"]) == ("models.list", False, 401)
    assert "Incorrect API key provided" in step["error"]["message"]
    assert step["error"]["code"]

    server.default = _works  # fixed: the next test replaces the last one
    assert service.admin.post(f"/api/connectors/{made['id']}/test").status_code == 200
    again = _listed(service, made["id"])["last_test"]
    assert isinstance(again, dict) and again["ok"] is True and len(again["steps"]) == 3
    assert again["time"] > last["time"]


def test_a_test_refused_before_sending_is_kept_as_failed(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    response = service.admin.post(f"/api/connectors/{made['id']}/test", json={"model": "   "})
    assert response.status_code == 422, response.text
    assert server.requests == []
    last = _listed(service, made["id"])["last_test"]
    assert isinstance(last, dict) and last["ok"] is False
    assert last["steps"][0]["step"] == "connection.test"
    assert last["steps"][0]["error"]["code"] == response.json()["error"]["code"]


def test_a_long_provider_message_is_kept_shortened(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(status=500, json={"error": {"message": "x" * 5000}})
    service.admin.post(f"/api/connectors/{made['id']}/test")
    last = _listed(service, made["id"])["last_test"]
    assert isinstance(last, dict)
    assert len(last["steps"][0]["error"]["message"]) == 500


def test_a_viewer_reads_the_last_test_but_cannot_run_one(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = _works
    service.admin.post(f"/api/connectors/{made['id']}/test")
    viewer = service.client_with_role("viewer")
    listed = viewer.get("/api/connectors").json()
    assert listed[0]["last_test"]["ok"] is True
    refused = viewer.post(f"/api/connectors/{made['id']}/test")
    assert refused.status_code == 403
    assert _listed(service, made["id"])["last_test"] == listed[0]["last_test"]


def test_the_last_test_survives_a_restart(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = _works
    service.admin.post(f"/api/connectors/{made['id']}/test")
    kept = _listed(service, made["id"])["last_test"]
    reopened = Store.open(data_dir=service.data_dir, environ={})
    try:
        record = reopened.connectors.get(made["id"])
        assert record.last_test is not None and record.last_test.ok is True
        assert isinstance(kept, dict)
        assert record.last_test.time.isoformat() == kept["time"]
    finally:
        reopened.close()


def _kibana(action: str, body: dict[str, object]) -> dict[str, object]:
    return {"params": {"subAction": action, "subActionParams": {"body": json.dumps(body)}}}


KIBANA_CHAT = {"messages": [{"role": "user", "content": "Say OK."}]}


def test_kibanas_test_sub_action_is_kept_as_the_last_test(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    url = f"/api/actions/connector/{made['id']}/_execute"
    server.default = _works
    before = datetime.now(UTC)
    response = service.admin.post(url, json=_kibana("test", KIBANA_CHAT))
    assert response.json().get("status") == "ok", response.text
    last = _listed(service, made["id"])["last_test"]
    assert isinstance(last, dict) and last["ok"] is True
    assert before <= datetime.fromisoformat(last["time"]) <= datetime.now(UTC)
    (step,) = last["steps"]
    assert (step["step"], step["ok"], step["status"]) == ("chat.create", True, 200)
    assert step["elapsed_ms"] >= 0

    server.default = Reply(status=401, json={"error": {"message": "Incorrect API key provided"}})
    response = service.admin.post(url, json=_kibana("test", KIBANA_CHAT))
    assert response.json()["status"] == "error"
    failed = _listed(service, made["id"])["last_test"]
    assert isinstance(failed, dict) and failed["ok"] is False and failed["time"] > last["time"]
    (step,) = failed["steps"]
    assert (step["step"], step["ok"], step["status"]) == ("chat.create", False, 401)
    assert "Incorrect API key provided" in step["error"]["message"]


def test_kibanas_test_refused_before_sending_is_kept_and_run_is_not(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    url = f"/api/actions/connector/{made['id']}/_execute"
    server.default = _works
    assert service.admin.post(url, json=_kibana("run", KIBANA_CHAT)).json()["status"] == "ok"
    assert _listed(service, made["id"])["last_test"] is None  # a run is no test
    response = service.admin.post(url, json=_kibana("test", {**KIBANA_CHAT, "temperature": 7}))
    assert response.json()["status"] == "error"
    last = _listed(service, made["id"])["last_test"]
    assert isinstance(last, dict) and last["ok"] is False
    assert last["steps"][0]["error"]["code"] == "invalid_input"
