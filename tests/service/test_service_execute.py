"""The run-connector API: ``POST /api/connectors/{id}/execute``."""

from __future__ import annotations

import pytest
from run_fixtures import CHAT_BODY, PLANTED, make_connector
from service_app import Service
from service_client import error_of

from scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_execute_answers_the_envelope_with_meta(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY, headers={"x-request-id": "req-123"})
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "chat.create", "params": {"prompt": "Hi"}},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == 200
    assert answer["body"]["choices"][0]["message"]["content"] == "Hello!"
    meta = answer["meta"]
    assert meta["usage"]["prompt_tokens"] == 10
    assert meta["attempts"] == 1
    assert meta["request_id"] == "req-123"
    assert meta["elapsed_ms"] >= 0
    assert server.requests[-1].headers["authorization"] == f"Bearer {PLANTED}"
    assert server.requests[-1].json["messages"][-1] == {"role": "user", "content": "Hi"}


def _execute(service: Service, made: dict[str, object], **body: object):  # type: ignore[no-untyped-def]
    return service.admin.post(f"/api/connectors/{made['id']}/execute", json=body)


def test_a_result_expression_gives_a_mapping(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    answer = _execute(
        service,
        made,
        operation="chat.create",
        params={"prompt": "Hi"},
        result_expression="{answer: body.choices[0].message.content}",
    ).json()
    assert answer["result"] == {"answer": "Hello!"}


def test_a_bad_result_expression_is_refused_before_sending(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    response = _execute(
        service,
        made,
        operation="chat.create",
        params={"prompt": "Hi"},
        result_expression="{answer: ",
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "result_expression"
    assert server.requests == []


def test_an_operation_the_connector_does_not_allow_is_403_naming_it(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server, allowed_operations=["embeddings.create"])
    response = _execute(service, made, operation="chat.create", params={"prompt": "Hi"})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "operation_not_allowed" and "chat.create" in error["message"]
    assert server.requests == []


def test_an_unknown_operation_or_connector_is_404(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    response = _execute(service, made, operation="chat.make", params={})
    assert response.status_code == 404
    assert error_of(response)["code"] == "unknown_operation"
    response = service.admin.post("/api/connectors/nope/execute", json={"operation": "chat.create"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "unknown_connector"


def test_invalid_params_are_422_naming_the_field(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    response = _execute(
        service, made, operation="chat.create", params={"prompt": "Hi", "temperature": 9}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input" and error["field"] == "temperature"
    response = _execute(service, made, operation="chat.create", params=["not", "a", "dict"])
    assert response.status_code == 422
    assert error_of(response)["field"] == "params"
    assert server.requests == []


def test_malformed_json_is_400(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        content=b'{"operation": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_json",
        "message": "the body is not valid JSON",
        "field": "body",
    }


def test_a_provider_error_is_502_with_the_providers_envelope(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    envelope = {"error": {"message": "model overloaded", "type": "server_error", "code": None}}
    server.default = Reply(status=503, json=envelope)
    response = _execute(service, made, operation="chat.create", params={"prompt": "Hi"})
    assert response.status_code == 502
    body = response.json()
    assert body["response"]["status"] == 503
    assert body["response"]["body"] == envelope
    assert PLANTED not in response.text


def test_an_unreachable_provider_is_502_and_a_slow_one_504(
    service: Service, server: ScriptedServer
) -> None:
    gone = make_connector(
        service,
        server,
        name="gone",
        config={"base_url": "http://127.0.0.1:9/v1", "retry": {"max_retries": 0}},
    )
    response = _execute(
        service, gone, operation="chat.create", params={"prompt": "Hi", "model": "m"}
    )
    assert response.status_code == 502
    assert error_of(response)["code"] == "connection_error"
    slow = make_connector(
        service,
        server,
        name="slow",
        config={
            "base_url": server.url + "/v1",
            "retry": {"max_retries": 0},
            "timeout": {"total": 0.2},
        },
    )
    server.default = Reply(json=CHAT_BODY, delay=2)
    response = _execute(
        service, slow, operation="chat.create", params={"prompt": "Hi", "model": "m"}
    )
    assert response.status_code == 504
    assert error_of(response)["code"] == "timeout"
