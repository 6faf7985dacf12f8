"""http-json tasks (Camunda's OpenAI/Azure templates) and our own task type, through the
connector: URLs, authentication, the host policy, secrets and files from process variables."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("SpiffWorkflow")

from engine_helpers import KEY, FakeClock, engine, run

from scripted_server import Reply, chat_body


def http_json(
    inputs: dict[str, str], headers: dict[str, str] | None = None, retries: int = 1
) -> str:
    mapped = "".join(
        f"<zeebe:input source='{source}' target=\"{target}\" />"
        for target, source in inputs.items()
    )
    header_xml = "".join(
        f"<zeebe:header key=\"{k}\" value='{v}' />" for k, v in (headers or {}).items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:serviceTask id="call">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="io.camunda:http-json:1" retries="{retries}" />
        <zeebe:ioMapping>{mapped}</zeebe:ioMapping>
        <zeebe:taskHeaders>{header_xml}</zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


OPENAI = {
    "authentication.type": "bearer",
    "authentication.token": "{{secrets.OPENAI_API_KEY}}",
    "method": "POST",
    "url": "https://api.openai.com/v1/chat/completions",
    "body": '={model: "gpt-4o-mini", messages: [{role: "user", content: prompt}]}',
}
RESULT = {"resultVariable": "result"}


def test_openai_url_runs_through_the_connector_and_gives_camundas_response_shape(
    server: Any,
) -> None:
    server.script(Reply(json=chat_body("hi"), headers={"x-request-id": "req-1"}))
    outcome = run(engine(FakeClock(), server), http_json(OPENAI, RESULT), {"prompt": "hello"})
    assert outcome["state"] == "completed"
    result = outcome["variables"]["result"]
    assert set(result) == {"status", "headers", "body"}
    assert result["status"] == 200
    assert result["body"]["choices"][0]["message"]["content"] == "hi"
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["messages"] == [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize(
    "path", ["/chat/completions", "/completions", "/extensions/chat/completions"]
)
def test_azure_url_becomes_an_azure_connection(server: Any, path: str) -> None:
    inputs = {
        "authentication.type": "apiKey",
        "authentication.apiKeyLocation": "headers",
        "authentication.name": "api-key",
        "authentication.value": "{{secrets.AZURE_KEY}}",
        "method": "POST",
        "url": '="https://" + resource + ".openai.azure.com/openai/deployments/" + deployment'
        f' + "{path}?api-version=" + version',
        "body": '={messages: [{role: "user", content: "hi"}]}',
    }
    server.script(Reply(json=chat_body("hallo")))
    eng = engine(
        FakeClock(), secrets={"AZURE_KEY": "a" * 32}, host_map={"acme.openai.azure.com": server.url}
    )
    outcome = run(
        eng,
        http_json(
            inputs, {"resultExpression": "={text: response.body.choices[1].message.content}"}
        ),
        {"resource": "acme", "deployment": "gpt4o", "version": "2024-06-01"},
    )
    assert outcome["variables"]["text"] == "hallo"
    [request] = server.requests
    assert request.path == "/openai/deployments/gpt4o" + path
    assert request.query == {"api-version": "2024-06-01"}
    assert request.headers["api-key"] == "a" * 32


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/v1/chat/completions",
        "https://api.openai.com.evil.example/v1/chat/completions",
        "https://api.openai.com/admin",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_other_hosts_are_refused_without_a_request(server: Any, url: str) -> None:
    outcome = run(engine(FakeClock(), server), http_json({**OPENAI, "url": url}), {})
    assert outcome["state"] == "incident"
    [incident] = outcome["incidents"]
    assert "refused" in incident["message"]
    assert server.requests == []


@pytest.mark.parametrize(
    ("task", "url"),
    [
        ("http-json", "http://api.openai.com/v1/chat/completions"),
        (
            "http-json",
            "http://acme.openai.azure.com/openai/deployments/d/chat/completions?api-version=1",
        ),
        ("own", "http://api.openai.com/v1"),
    ],
)
def test_openai_and_azure_are_reached_over_https_only(task: str, url: str) -> None:
    # no host map: a plain http URL would send the key in the clear
    if task == "own":
        text = own(
            "io.openai-connector:chat.create:1",
            {"prompt": "x", "connection.api_key": "{{secrets.OPENAI_API_KEY}}",
             "connection.base_url": url},
        )  # fmt: skip
    else:
        text = http_json({**OPENAI, "url": url}, RESULT)
    outcome = run(engine(FakeClock()), text, {"prompt": "x"})
    assert outcome["state"] == "incident"
    [incident] = outcome["incidents"]
    assert incident["code"] == "host_refused"
    assert "over https only" in incident["message"]


def test_an_allowed_host_is_reached_as_a_compatible_server(server: Any) -> None:
    server.script(Reply(json=chat_body("local")))
    eng = engine(FakeClock(), allowed_hosts={"llm.internal"}, host_map={"llm.internal": server.url})
    url = "https://llm.internal/v1/chat/completions"
    outcome = run(eng, http_json({**OPENAI, "url": url}, RESULT), {"prompt": "x"})
    assert outcome["state"] == "completed"
    assert server.requests[0].path == "/v1/chat/completions"


def test_a_secret_reference_in_a_variable_is_not_resolved(server: Any) -> None:
    outcome = run(
        engine(FakeClock(), server),
        http_json(OPENAI, RESULT),
        {"prompt": "tell me {{secrets.OPENAI_API_KEY}}"},
    )
    assert outcome["state"] == "incident"
    [incident] = outcome["incidents"]
    assert incident["code"] == "secret_reference_in_variable"
    assert "body.messages[1].content" in incident["message"]
    assert server.requests == []


def test_a_token_taken_from_a_variable_holding_a_reference_is_refused(server: Any) -> None:
    inputs = {**OPENAI, "authentication.token": "=token"}
    outcome = run(
        engine(FakeClock(), server),
        http_json(inputs, RESULT),
        {"prompt": "x", "token": "{{ secrets.OPENAI_API_KEY }}"},
    )
    assert outcome["incidents"][0]["code"] == "secret_reference_in_variable"
    assert server.requests == []


def test_a_template_secret_inside_a_feel_string_is_resolved_and_escaped(server: Any) -> None:
    server.script(Reply(json=chat_body()))
    inputs = {
        **OPENAI,
        "body": '={model: "m", messages: [{role: "user", content: "key: {{secrets.ODD}}"}]}',
    }
    eng = engine(FakeClock(), server, secrets={"OPENAI_API_KEY": KEY, "ODD": 'a"b\\c'})
    outcome = run(eng, http_json(inputs, RESULT), {})
    assert outcome["state"] == "completed"
    assert server.requests[0].json["messages"][0]["content"] == 'key: a"b\\c'


def test_a_missing_template_secret_is_an_incident_naming_it(server: Any) -> None:
    outcome = run(
        engine(FakeClock(), server, secrets={}), http_json(OPENAI, RESULT), {"prompt": "x"}
    )
    [incident] = outcome["incidents"]
    assert incident["code"] == "secret_not_found"
    assert "OPENAI_API_KEY" in incident["message"]


def test_api_errors_reach_the_error_expression_as_status_codes(server: Any) -> None:
    server.script(Reply(status=400, json={"error": {"message": "bad model", "code": None}}))
    headers = {
        **RESULT,
        "errorExpression": '=if error.code = "400" then bpmnError("BAD", error.message) else null',
    }
    outcome = run(engine(FakeClock(), server), http_json(OPENAI, headers), {"prompt": "x"})
    [incident] = outcome["incidents"]  # no boundary event catches BAD
    assert incident["code"] == "unhandled_bpmn_error"
    assert "'BAD'" in incident["message"]


def test_a_secret_in_an_error_message_is_redacted_in_the_incident(server: Any) -> None:
    server.default = Reply(status=401, json={"error": {"message": f"key {KEY} is wrong"}})
    outcome = run(
        engine(FakeClock(), server), http_json(OPENAI, RESULT, retries=1), {"prompt": "x"}
    )
    [incident] = outcome["incidents"]
    assert KEY not in incident["message"]
    assert "***" in incident["message"]


# ---------------------------------------------------------------- our own task type


def own(task_type: str, inputs: dict[str, str]) -> str:
    return http_json(inputs, RESULT).replace("io.camunda:http-json:1", task_type)


def test_own_task_type_runs_the_operation_with_its_params_and_connection(server: Any) -> None:
    server.script(Reply(json=chat_body("pong")))
    inputs = {
        "model": "gpt-4o-mini",
        "prompt": "=question",
        "connection.api_key": "{{secrets.OPENAI_API_KEY}}",
    }
    outcome = run(
        engine(FakeClock(), server),
        own("io.openai-connector:chat.create:1", inputs),
        {"question": "ping", "unrelated": [1, 2]},
    )
    assert outcome["state"] == "completed"
    assert outcome["variables"]["result"]["body"]["choices"][0]["message"]["content"] == "pong"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("task_type", "inputs", "says"),
    [
        (
            "io.openai-connector:files.upload:1",
            {"file": "/etc/passwd", "purpose": "fine-tune"},
            "must be a data: URL",
        ),
        (
            "io.openai-connector:files.content:1",
            {"file_id": "file-1", "output": "/tmp/x.jsonl"},
            "writes files only into the engine's workspace",
        ),
        (
            "io.openai-connector:chat.create:1",
            {"prompt": "x", "connection.base_url": "https://evil.example/v1"},
            "refused",
        ),
        (
            "io.openai-connector:chat.create:1",
            {"prompt": "x", "connection.api_key": "=key"},
            "secrets",
        ),
    ],
)
def test_own_task_type_refuses_host_files_and_foreign_hosts(
    server: Any, task_type: str, inputs: dict[str, str], says: str
) -> None:
    inputs = {"connection.api_key": "{{secrets.OPENAI_API_KEY}}", **inputs}
    outcome = run(
        engine(FakeClock(), server), own(task_type, inputs), {"key": "{{secrets.OPENAI_API_KEY}}"}
    )
    assert outcome["state"] == "incident"
    assert says in outcome["incidents"][0]["message"]
    assert server.requests == []


def test_a_template_secret_mapped_into_a_variable_is_redacted_in_the_outcome(
    server: Any,
) -> None:
    server.script(Reply(json=chat_body()))
    text = http_json(OPENAI, RESULT).replace(
        "</zeebe:ioMapping>",
        '<zeebe:output source="=authentication.token" target="leaked" />'
        '<zeebe:output source="=result.status" target="status" /></zeebe:ioMapping>',
    )
    outcome = run(engine(FakeClock(), server), text, {"prompt": "x"})
    assert outcome["variables"]["status"] == 200
    assert outcome["variables"]["leaked"] == "***"
    assert KEY not in str(outcome)


def test_result_expressions_do_not_see_the_task_inputs(server: Any) -> None:
    server.script(Reply(json=chat_body()))
    headers = {"resultExpression": "={token: authentication.token, status: response.status}"}
    outcome = run(engine(FakeClock(), server), http_json(OPENAI, headers), {"prompt": "x"})
    assert outcome["variables"]["token"] is None
    assert outcome["variables"]["status"] == 200


def test_observers_see_each_task_call_with_its_usage(server: Any) -> None:
    from openai_connector.observers import RunFinished

    server.script(Reply(json=chat_body("pong")))
    seen: list[Any] = []
    outcome = run(engine(FakeClock(), server, observers=[seen.append]), http_json(OPENAI), {})
    assert outcome["state"] == "completed"
    [finished] = [event for event in seen if isinstance(event, RunFinished)]
    assert finished.operation == "raw.request"
    assert finished.status == 200
    assert finished.usage is not None and finished.usage.total_tokens == 7


@pytest.mark.parametrize(("seconds", "sent"), [("20", 20.0), ("=5", 5.0), (None, None)])
def test_connection_timeout_in_seconds_becomes_the_call_timeout(
    seconds: str | None, sent: float | None
) -> None:
    from openai_connector.result import Result

    calls: list[dict[str, Any]] = []

    class Recording:
        def run(self, connection: Any, operation: str, params: dict[str, Any], *, element: str):
            calls.append(params)
            return Result(status=200, headers={}, body={"ok": True})

    inputs = {**OPENAI}
    if seconds is not None:
        inputs["connectionTimeoutInSeconds"] = seconds
    outcome = run(engine(FakeClock(), executor=Recording()), http_json(inputs, RESULT), {})
    assert outcome["state"] == "completed", outcome
    assert calls[0].get("timeout") == sent


def test_a_timeout_that_is_not_a_number_is_an_incident_naming_the_field() -> None:
    inputs = {**OPENAI, "connectionTimeoutInSeconds": "soon"}
    outcome = run(engine(FakeClock()), http_json(inputs, RESULT), {"prompt": "x"})
    assert outcome["state"] == "incident"
    assert "connectionTimeoutInSeconds 'soon' is not a number" in outcome["incidents"][0]["message"]
