"""A process configured with our own element templates (``templates export``) runs on the
embedded engine as the Modeler writes it: connection fields by their template names
(``connection.apiKey``, ``connection.timeout``), unset fields left out, files out as base64
or, with a workspace, written inside it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest

pytest.importorskip("SpiffWorkflow")

from engine_helpers import KEY, FakeClock, engine, run

from media_samples import png
from openai_connector.operations import registry
from openai_connector.workflow.templates import template
from scripted_server import Reply, ScriptedServer, chat_body


def _holds(condition: dict[str, Any] | None, values: dict[str, Any]) -> bool:
    if condition is None:
        return True
    if "allMatch" in condition:
        return all(_holds(c, values) for c in condition["allMatch"])
    value = values.get(condition["property"])
    if "equals" in condition:
        return bool(value == condition["equals"])
    return value in condition.get("oneOf", [value])


def _source(value: Any) -> str:
    if isinstance(value, bool):
        return "=" + str(value).lower()
    return str(value)


def modeled(operation_id: str, chosen: dict[str, Any]) -> str:
    """The BPMN the Modeler writes for a task given the template and ``chosen`` values: every
    shown property with a value becomes its binding (empty ones are left out)."""
    properties = template(registry.get(operation_id))["properties"]
    values = {p["id"]: p.get("value") for p in properties if "id" in p} | chosen
    inputs, headers, definition = [], [], {}
    for prop in properties:
        value = values.get(prop.get("id"), prop.get("value"))
        if not _holds(prop.get("condition"), values) or value is None or value == "":
            continue
        binding = prop["binding"]
        if binding["type"] == "zeebe:input":
            inputs.append(f'<zeebe:input source={quoteattr(_source(value))} '
                          f'target="{binding["name"]}" />')  # fmt: skip
        elif binding["type"] == "zeebe:taskHeader":
            headers.append(f'<zeebe:header key="{binding["key"]}" value={quoteattr(value)} />')
        elif binding["type"] == "zeebe:taskDefinition":
            definition[binding["property"]] = value
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:serviceTask id="call"><bpmn:extensionElements>
      <zeebe:taskDefinition type="{definition["type"]}" retries="{definition["retries"]}" />
      <zeebe:ioMapping>{"".join(inputs)}</zeebe:ioMapping>
      <zeebe:taskHeaders>{"".join(headers)}</zeebe:taskHeaders>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_chat_on_openai_with_the_template_defaults(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body("pong")))
    text = modeled(
        "chat.create",
        {"prompt": "=question", "model": "gpt-4o-mini", "resultVariable": "answer",
         "connection.timeout": 30, "connection.maxRetries": 0},
    )  # fmt: skip
    assert 'target="connection.apiKey"' in text
    outcome = run(engine(FakeClock(), server), text, {"question": "ping"})
    assert outcome["state"] == "completed", outcome
    assert outcome["variables"]["answer"]["body"]["choices"][0]["message"]["content"] == "pong"
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["messages"] == [{"role": "user", "content": "ping"}]


def test_chat_on_azure_with_the_template_fields(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body("pong")))
    text = modeled(
        "chat.create",
        {"connection.provider": "azure", "connection.resourceName": "acme",
         "connection.apiKey": "{{secrets.AZURE_KEY}}", "model": "gpt4o-deployment",
         "prompt": "ping", "resultVariable": "answer"},
    )  # fmt: skip
    eng = engine(
        FakeClock(),
        secrets={"AZURE_KEY": "azure-key-0123456789"},
        host_map={"acme.openai.azure.com": server.url},
    )
    outcome = run(eng, text, {})
    assert outcome["state"] == "completed", outcome
    [request] = server.requests
    assert request.path == "/openai/deployments/gpt4o-deployment/chat/completions"
    assert request.query["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "azure-key-0123456789"


def _image_reply() -> Reply:
    encoded = base64.b64encode(png()).decode()
    return Reply(json={"created": 1, "data": [{"b64_json": encoded}]})


def test_files_out_as_base64_by_default(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server.script(_image_reply())
    text = modeled("images.generate", {"prompt": "a cat", "resultVariable": "image"})
    assert "output_dir" not in text
    outcome = run(engine(FakeClock(), server), text, {"output_dir": "/etc"})
    assert outcome["state"] == "completed", outcome
    data = outcome["variables"]["image"]["body"]["data"][0]
    assert base64.b64decode(data["b64_json"]) == png()
    assert list(tmp_path.iterdir()) == []


def test_files_out_to_the_workspace_are_written_inside_it(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(_image_reply())
    chosen = {"prompt": "a cat", "fileOutput": "workspace", "output_dir": "pictures"}
    text = modeled("images.generate", {**chosen, "resultVariable": "image"})
    (tmp_path / "pictures").mkdir()
    outcome = run(engine(FakeClock(), server, workspace=tmp_path), text, {})
    assert outcome["state"] == "completed", outcome
    [written] = (tmp_path / "pictures").iterdir()
    assert written.read_bytes() == png()


@pytest.mark.parametrize(
    ("output_dir", "workspace", "says"),
    [
        ("pictures", False, "--workspace"),
        ("../outside", True, "'..' is not allowed"),
        ("/etc", True, "outside the workspace"),
    ],
)
def test_files_out_outside_a_workspace_are_an_incident(
    server: ScriptedServer, tmp_path: Path, output_dir: str, workspace: bool, says: str
) -> None:
    chosen = {"prompt": "a cat", "fileOutput": "workspace", "output_dir": output_dir}
    text = modeled("images.generate", chosen)
    eng = engine(FakeClock(), server, workspace=tmp_path if workspace else None)
    outcome = run(eng, text, {})
    assert outcome["state"] == "incident"
    [incident] = outcome["incidents"]
    assert says in incident["message"] + str(incident.get("hint", ""))
    assert server.requests == []


def test_a_workspace_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    from openai_connector.errors import ConfigError

    with pytest.raises(ConfigError, match="not an existing folder"):
        engine(FakeClock(), workspace=tmp_path / "missing")
