"""``openai-connector process run``: JSON outcome and exit codes (0, 2, 3, 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("SpiffWorkflow")

from conftest import Invoke
from scripted_server import Reply, ScriptedServer, chat_body

WORKFLOW = Path(__file__).parents[1] / "workflow" / "bpmn"
EXAMPLES = Path(__file__).parents[2] / "examples"
KEY = "sk-test-cli-process-0001"


def test_a_completed_process_prints_its_variables_and_exits_0(invoke: Invoke) -> None:
    result = invoke(
        "process", "run", str(WORKFLOW / "gateways.bpmn"), "--var", "n=7", connect=False
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "state": "completed",
        "variables": {"n": 7, "doubled": 14, "label": "large", "tens": 150},
        "incidents": [],
    }


def test_http_json_goes_to_the_host_map_and_secrets_come_from_the_environment(
    invoke: Invoke, server: ScriptedServer
) -> None:
    server.script(Reply(json=chat_body("Hallo")))
    result = invoke(
        "process",
        "run",
        str(EXAMPLES / "translator_bot.bpmn"),
        "--var",
        'text="Hello"',
        "--var",
        'language="German"',
        "--host-map",
        f"api.openai.com={server.url}",
        env={"OPENAI_API_KEY": KEY},
        connect=False,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["variables"]["translation"] == "Hallo"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_an_incident_exits_3_with_the_incidents(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path
) -> None:
    path = tmp_path / "elsewhere.bpmn"
    path.write_text(
        (EXAMPLES / "moderation_gate.bpmn")
        .read_text()
        .replace("https://api.openai.com/v1/moderations", "https://example.com/v1/moderations")
    )
    result = invoke(
        "process",
        "run",
        str(path),
        "--var",
        'text="x"',
        "--host-map",
        f"api.openai.com={server.url}",
        env={"OPENAI_API_KEY": KEY},
        connect=False,
    )
    assert result.exit_code == 3, result.output
    outcome = json.loads(result.output)
    assert outcome["state"] == "incident"
    [incident] = outcome["incidents"]
    assert incident["element"] == "moderate"
    assert incident["code"] == "host_refused"
    assert server.requests == []


def test_a_file_it_cannot_run_exits_2_naming_the_element(invoke: Invoke, tmp_path: Path) -> None:
    text = (
        (WORKFLOW / "gateways.bpmn")
        .read_text()
        .replace(
            '<bpmn:scriptTask id="double">',
            '<bpmn:userTask id="ask_user" /><bpmn:scriptTask id="double">',
        )
    )
    path = tmp_path / "user.bpmn"
    path.write_text(text)
    result = invoke("--json", "process", "run", str(path), connect=False)
    assert result.exit_code == 2
    assert "error: element 'ask_user': userTask is not supported" in result.output
    error = json.loads(result.output[result.output.index("{") :])
    assert error["code"] == "process_load_error"
    assert error["element"] == "ask_user"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--var", "n=not json"], "not JSON"),
        (["--var", "novalue"], "NAME=VALUE"),
        (["--host-map", "api.openai.com"], "NAME=VALUE"),
    ],
)
def test_bad_options_exit_2(invoke: Invoke, args: list[str], says: str) -> None:
    result = invoke("process", "run", str(WORKFLOW / "gateways.bpmn"), *args, connect=False)
    assert result.exit_code == 2
    assert says in result.output


def test_no_file_and_no_resume_exits_2(invoke: Invoke) -> None:
    result = invoke("process", "run", connect=False)
    assert result.exit_code == 2
    assert "--resume" in result.output


def test_an_incident_is_saved_too(invoke: Invoke, tmp_path: Path) -> None:
    saved = tmp_path / "instance.json"
    result = invoke(
        "process",
        "run",
        str(EXAMPLES / "fine_tuning.bpmn"),
        "--save",
        str(saved),
        "--var",
        "examples=[]",
        connect=False,
    )
    # no OPENAI_API_KEY anywhere: the upload's template secret is missing, an incident
    assert result.exit_code == 3, result.output
    assert json.loads(result.output)["incidents"][0]["code"] == "secret_not_found"
    assert json.loads(saved.read_text())["format"] == "openai-connector-process/1"


def test_a_timer_beyond_max_wait_exits_5_and_resume_continues(
    invoke: Invoke, tmp_path: Path
) -> None:
    path = tmp_path / "timer.bpmn"
    path.write_text(_TIMER)
    saved = tmp_path / "instance.json"
    first = invoke(
        "process", "run", str(path), "--max-wait", "0", "--save", str(saved), connect=False
    )
    assert first.exit_code == 5, first.output
    assert json.loads(first.output)["state"] == "waiting"
    again = invoke("process", "run", "--resume", str(saved), "--max-wait", "0", connect=False)
    assert again.exit_code == 5
    assert json.loads(again.output)["variables"] == {"before": 1}


_TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="set" />
    <bpmn:scriptTask id="set"><bpmn:extensionElements>
      <zeebe:script expression="=1" resultVariable="before" />
    </bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="set" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1H</bpmn:timeDuration>
    </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""
