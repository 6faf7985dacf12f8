"""``process run``'s security rules through the command line: where template secrets come
from, references in --var values, hosts that need --allow-host, keys never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("SpiffWorkflow")

from conftest import Invoke
from scripted_server import Reply, ScriptedServer, chat_body

EXAMPLES = Path(__file__).parents[2] / "examples"
KEY = "sk-test-cli-process-secrets-0001"


def _translate(invoke: Invoke, server: ScriptedServer, *args: str, env: dict[str, str]) -> object:
    return invoke(
        "process", "run", str(EXAMPLES / "translator_bot.bpmn"),
        "--var", 'language="French"', "--host-map", f"api.openai.com={server.url}", *args,
        env=env, connect=False,
    )  # fmt: skip


@pytest.mark.parametrize("where", ["--secrets-file", "--secrets-dir"])
def test_template_secrets_come_from_a_secrets_file_or_folder(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path, where: str
) -> None:
    server.script(Reply(json=chat_body("Bonjour")))
    if where == "--secrets-file":
        source = tmp_path / "secrets.env"
        source.write_text(f"OPENAI_API_KEY={KEY}\n")
    else:
        source = tmp_path / "secrets"
        source.mkdir()
        (source / "OPENAI_API_KEY").write_text(KEY + "\n")
    result = _translate(invoke, server, "--var", 'text="Hi"', where, str(source), env={})
    assert result.exit_code == 0, result.output
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_secret_reference_in_a_variable_is_an_incident_and_is_not_sent(
    invoke: Invoke, server: ScriptedServer
) -> None:
    result = _translate(
        invoke, server, "--var", 'text="{{secrets.OPENAI_API_KEY}}"',
        env={"OPENAI_API_KEY": KEY},
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    [incident] = json.loads(result.output)["incidents"]
    assert incident["code"] == "secret_reference_in_variable"
    assert server.requests == []
    assert KEY not in result.output


def test_another_host_needs_allow_host(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path
) -> None:
    path = tmp_path / "internal.bpmn"
    path.write_text(
        (EXAMPLES / "translator_bot.bpmn")
        .read_text()
        .replace("https://api.openai.com/v1/chat/completions", "https://llm.internal/v1/chat")
    )
    args = ["--var", 'text="Hi"', "--var", 'language="French"']
    hosts = ["--host-map", f"llm.internal={server.url}"]
    env = {"OPENAI_API_KEY": KEY}
    refused = invoke("process", "run", str(path), *args, *hosts, env=env, connect=False)
    assert refused.exit_code == 3
    assert json.loads(refused.output)["incidents"][0]["code"] == "host_refused"
    assert server.requests == []

    server.script(Reply(json=chat_body("Bonjour")))
    allowed = invoke(
        "process", "run", str(path), *args, *hosts, "--allow-host", "llm.internal", env=env,
        connect=False,
    )  # fmt: skip
    assert allowed.exit_code == 0, allowed.output
    assert server.requests[0].path == "/v1/chat"


_IMAGE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="draw" />
    <bpmn:serviceTask id="draw"><bpmn:extensionElements>
      <zeebe:taskDefinition type="io.openai-connector:images.generate:1" retries="1" />
      <zeebe:ioMapping>
        <zeebe:input source="{{secrets.OPENAI_API_KEY}}" target="connection.apiKey" />
        <zeebe:input source="a cat" target="prompt" />
        <zeebe:input source="workspace" target="fileOutput" />
        <zeebe:input source="pictures" target="output_dir" />
      </zeebe:ioMapping>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="draw" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_files_are_written_only_into_the_workspace(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path
) -> None:
    import base64

    path = tmp_path / "image.bpmn"
    path.write_text(_IMAGE)
    hosts = ["--host-map", f"api.openai.com={server.url}"]
    env = {"OPENAI_API_KEY": KEY}
    refused = invoke("process", "run", str(path), *hosts, env=env, connect=False)
    assert refused.exit_code == 3
    assert "--workspace" in json.loads(refused.output)["incidents"][0]["message"]
    assert server.requests == []

    workspace = tmp_path / "workspace"
    (workspace / "pictures").mkdir(parents=True)
    server.script(
        Reply(json={"created": 1, "data": [{"b64_json": base64.b64encode(b"PNG").decode()}]})
    )
    result = invoke(
        "process", "run", str(path), *hosts, "--workspace", str(workspace), env=env,
        connect=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [written] = (workspace / "pictures").iterdir()
    assert written.read_bytes() == b"PNG"
