"""Kibana's run-connector shape and ``POST /api/connectors/{id}/test``."""

from __future__ import annotations

import json

from run_fixtures import CHAT_BODY, make_connector
from service_app import Service

from scripted_server import Reply, ScriptedServer

KIBANA_BODY = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "What is phishing?"}],
    "temperature": 0.3,
}


def _kibana(action: str, body: object) -> dict[str, object]:
    return {"params": {"subAction": action, "subActionParams": {"body": json.dumps(body)}}}


def test_kibanas_documented_run_call_works_unchanged(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    response = service.admin.post(
        f"/api/actions/connector/{made['id']}/_execute", json=_kibana("run", KIBANA_BODY)
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "connector_id": made["id"], "data": CHAT_BODY}
    sent = server.requests[-1].json
    assert sent["messages"] == KIBANA_BODY["messages"] and sent["temperature"] == 0.3


def test_a_provider_error_is_kibanas_error_shape(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(status=401, json={"error": {"message": "bad key", "code": "invalid"}})
    answer = service.admin.post(
        f"/api/actions/connector/{made['id']}/_execute", json=_kibana("test", KIBANA_BODY)
    ).json()
    assert answer["status"] == "error" and answer["connector_id"] == made["id"]
    assert "bad key" in answer["service_message"]
    assert set(answer) == {"status", "connector_id", "message", "service_message"}


def test_kibanas_stream_sub_action_streams_the_providers_events(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    chunk = {
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "Hi"}}],
    }
    server.default = Reply(events=[chunk])
    response = service.admin.post(
        f"/api/actions/connector/{made['id']}/_execute",
        json=_kibana("stream", {**KIBANA_BODY, "stream": True}),
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    lines = [line for line in response.text.splitlines() if line.startswith("data: ")]
    assert json.loads(lines[0][6:])["choices"][0]["delta"]["content"] == "Hi"
    assert lines[-1] == "data: [DONE]"


def test_a_malformed_kibana_body_names_the_field(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    url = f"/api/actions/connector/{made['id']}/_execute"
    response = service.admin.post(url, json={"params": {"subAction": "fly"}})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "params.subAction"
    response = service.admin.post(
        url, json={"params": {"subAction": "run", "subActionParams": {"body": "{"}}}
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "params.subActionParams.body"


def test_the_connector_test_reports_each_step_with_timings(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    chunk = {
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "OK"}}],
    }

    def reply(recorded):  # type: ignore[no-untyped-def]
        if recorded.path.endswith("/models"):
            return Reply(json={"object": "list", "data": [{"id": "gpt-4o-mini"}]})
        if b'"stream":true' in recorded.body.replace(b" ", b""):
            return Reply(events=[chunk])
        return Reply(json=CHAT_BODY)

    server.default = reply
    response = service.admin.post(f"/api/connectors/{made['id']}/test")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True
    assert [s["step"] for s in report["steps"]] == [
        "models.list",
        "chat.create",
        "chat.create (stream)",
    ]
    assert all("elapsed_ms" in s for s in report["steps"])
    rows = service.store.usage.rows()  # one row per step's exchange
    assert sorted((row["operation"], row["streamed"]) for row in rows) == [
        ("chat.create", False),
        ("chat.create", True),
        ("models.list", False),
    ]


def test_a_failing_connector_test_is_502_naming_the_step(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(status=401, json={"error": {"message": "bad key"}})
    response = service.admin.post(f"/api/connectors/{made['id']}/test")
    assert response.status_code == 502
    assert response.json()["steps"][0]["ok"] is False
