"""``openai-connector process resume``: continue a saved instance from a file or the database.

Exit codes as ``process run``: 0 completed, 3 incident, 5 waiting, 2 for a save that cannot
be resumed (unknown id, corrupt, of another BPMN file, completed) or a bad option.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("SpiffWorkflow")
pytest.importorskip("sqlalchemy")

from conftest import Invoke
from scripted_server import Reply, ScriptedServer, chat_body

EXAMPLES = Path(__file__).parents[2] / "examples"
WORKFLOW = Path(__file__).parents[1] / "workflow" / "bpmn"
KEY = "sk-test-cli-resume-0001"

_TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT0.2S</bpmn:timeDuration>
    </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after" />
    <bpmn:scriptTask id="after"><bpmn:extensionElements>
      <zeebe:script expression="=before + 1" resultVariable="after" />
    </bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(params=["file", "database"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[list[str], list[str]]:
    """(the options of ``run`` that save, the arguments of ``resume`` that find the save)."""
    if request.param == "file":
        path = str(tmp_path / "instance.json")
        return ["--save", path], [path]
    url = ["--database-url", f"sqlite:///{tmp_path / 'processes.db'}"]
    return ["--save-db", "order-7", *url], ["--db", "order-7", *url]


def test_a_waiting_timer_resumes_later_and_completes(
    invoke: Invoke, tmp_path: Path, where: tuple[list[str], list[str]]
) -> None:
    save, saved = where
    path = tmp_path / "timer.bpmn"
    path.write_text(_TIMER)
    first = invoke(
        "process", "run", str(path), "--var", "before=1", "--max-wait", "0", *save,
        connect=False,
    )  # fmt: skip
    assert first.exit_code == 5, first.output
    assert json.loads(first.output) == {
        "state": "waiting",
        "variables": {"before": 1},
        "incidents": [],
    }

    done = invoke("process", "resume", *saved, connect=False)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["variables"] == {"before": 1, "after": 2}

    again = invoke("process", "resume", *saved, connect=False)
    assert again.exit_code == 2
    assert "is a completed process instance: there is nothing to resume" in again.output


def _translator(tmp_path: Path) -> Path:
    """The translator bot without its 30 s retry backoff (the CLI sleeps for real)."""
    path = tmp_path / "translator.bpmn"
    text = (EXAMPLES / "translator_bot.bpmn").read_text()
    path.write_text(text.replace('value="PT30S"', 'value="PT0S"'))
    return path


def test_an_incident_is_resolved_with_new_variables_and_the_process_completes(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path, where: tuple[list[str], list[str]]
) -> None:
    save, saved = where
    hosts = ["--host-map", f"api.openai.com={server.url}"]
    env = {"OPENAI_API_KEY": KEY}
    server.default = Reply(status=400, json={"error": {"message": "no", "type": "invalid"}})
    first = invoke(
        "process", "run", str(_translator(tmp_path)), "--var", 'text="Good night"',
        "--var", 'language="French"', *hosts, *save, env=env, connect=False,
    )  # fmt: skip
    assert first.exit_code == 3, first.output
    [incident] = json.loads(first.output)["incidents"]
    assert incident["element"] == "translate"
    assert len(server.requests) == 3  # retries="3"

    server.default = Reply(json=chat_body("Gute Nacht"))
    resumed = invoke(
        "process", "resume", *saved, "--var", 'language="German"', *hosts, env=env,
        connect=False,
    )  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    variables = json.loads(resumed.output)["variables"]
    assert variables["translation"] == "Gute Nacht"
    assert "into German" in server.requests[3].json["messages"][0]["content"]
    assert KEY not in resumed.output


def test_an_incident_that_fails_again_exits_3_and_is_saved_again(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path
) -> None:
    saved = tmp_path / "instance.json"
    hosts = ["--host-map", f"api.openai.com={server.url}"]
    env = {"OPENAI_API_KEY": KEY}
    server.default = Reply(status=400, json={"error": {"message": "no", "type": "invalid"}})
    args = ["--var", 'text="a"', "--var", 'language="French"', *hosts]
    first = invoke(
        "process", "run", str(_translator(tmp_path)), *args, "--save", str(saved), env=env,
        connect=False,
    )  # fmt: skip
    assert first.exit_code == 3
    again = invoke("process", "resume", str(saved), "--retries", "2", *hosts, env=env,
                   connect=False)  # fmt: skip
    assert again.exit_code == 3, again.output
    assert len(server.requests) == 5
    assert json.loads(saved.read_text())["state"] == "incident"


def test_an_unknown_database_id_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "--json", "process", "resume", "--db", "nope",
        "--database-url", f"sqlite:///{tmp_path / 'p.db'}", connect=False,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no saved process instance with id 'nope'" in result.output
    error = json.loads(result.output[result.output.index("{") :])
    assert error["code"] == "saved_process_error"


def test_the_default_database_is_the_data_dir_one(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "timer.bpmn"
    path.write_text(_TIMER)
    env = {"OPENAI_CONNECTOR_DATA_DIR": str(tmp_path / "data")}
    first = invoke(
        "process", "run", str(path), "--var", "before=1", "--max-wait", "0", "--save-db", "t",
        env=env, connect=False,
    )  # fmt: skip
    assert first.exit_code == 5, first.output
    assert (tmp_path / "data" / "service.db").exists()
    assert invoke("process", "resume", "--db", "t", env=env, connect=False).exit_code == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{ not json", "is not a saved process instance"),
        ('{"format": "openai-connector-process/1"}', "'bpmn' is missing or not text"),
    ],
)
def test_a_corrupt_file_exits_2_naming_it(
    invoke: Invoke, tmp_path: Path, content: str, says: str
) -> None:
    saved = tmp_path / "instance.json"
    saved.write_text(content)
    result = invoke("process", "resume", str(saved), connect=False)
    assert result.exit_code == 2
    assert str(saved) in result.output
    assert says in result.output


def test_a_save_of_another_bpmn_file_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "timer.bpmn"
    path.write_text(_TIMER)
    saved = tmp_path / "instance.json"
    invoke(
        "process", "run", str(path), "--var", "before=1", "--max-wait", "0", "--save",
        str(saved), connect=False,
    )  # fmt: skip
    result = invoke(
        "process", "run", str(WORKFLOW / "gateways.bpmn"), "--resume", str(saved),
        connect=False,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is an instance of another BPMN file (process 'p')" in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "give SAVED.json, or --db ID"),
        (["x.json", "--db", "x"], "give SAVED.json, or --db ID"),
        (["x.json", "--retries", "0"], "--retries"),
        (["x.json", "--var", "a=not json"], "not JSON"),
    ],
)
def test_bad_resume_options_exit_2(invoke: Invoke, args: list[str], says: str) -> None:
    result = invoke("process", "resume", *args, connect=False)
    assert result.exit_code == 2
    assert says in result.output


def test_save_to_a_file_and_the_database_at_once_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "process", "run", str(WORKFLOW / "gateways.bpmn"), "--save", str(tmp_path / "a"),
        "--save-db", "b", connect=False,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "not both" in result.output


@pytest.mark.parametrize("save", ["--save", "--save-db"])
def test_a_save_that_cannot_be_written_exits_2_before_any_call(
    invoke: Invoke, server: ScriptedServer, tmp_path: Path, save: str
) -> None:
    where = [save, str(tmp_path / "no" / "such" / "x.json")]
    if save == "--save-db":
        where = [save, "x", "--database-url", f"sqlite:///{tmp_path / 'no' / 'such.db'}"]
    result = invoke(
        "process", "run", str(_translator(tmp_path)), "--var", 'text="a"',
        "--var", 'language="French"', "--host-map", f"api.openai.com={server.url}", *where,
        env={"OPENAI_API_KEY": KEY}, connect=False,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cannot" in result.output
    assert server.requests == []


def test_save_db_over_an_instance_still_waiting_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "timer.bpmn"
    path.write_text(_TIMER)
    args = ["process", "run", str(path), "--var", "before=1", "--max-wait", "0", "--save-db",
            "w", "--database-url", f"sqlite:///{tmp_path / 'p.db'}"]  # fmt: skip
    assert invoke(*args, connect=False).exit_code == 5
    again = invoke(*args, connect=False)
    assert again.exit_code == 2
    assert "a process instance with id 'w' is saved in" in again.output
    assert "already (waiting)" in again.output
