"""Saving and resuming process instances through the library: a file or the database.

A waiting timer resumes later and completes; an incident (the provider failed until the
retries ran out) is resolved on resume, after variables are set, and the process completes.
Unknown ids, corrupt saves, saves of another BPMN file and completed instances are refused
with a message that says which and why.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("SpiffWorkflow")
pytest.importorskip("sqlalchemy")

from engine_helpers import BPMN, EXAMPLES, KEY, FakeClock

from openai_connector.secrets import SecretStore
from openai_connector.workflow import (
    SavedInDatabase,
    SavedProcessError,
    resume_process,
    run_process,
)
from openai_connector.workflow.saved import ProcessAlreadyCompleted
from scripted_server import Reply, ScriptedServer, chat_body

TRANSLATOR = EXAMPLES / "translator_bot.bpmn"


def _options(clock: FakeClock, server: ScriptedServer | None = None) -> dict[str, Any]:
    return {
        "clock": clock,
        "sleep": clock.sleep,
        "secrets": SecretStore(environ={"OPENAI_API_KEY": KEY}),
        "host_map": {"api.openai.com": server.url} if server else {},
    }


@pytest.fixture(params=["file", "database"])
def slot(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "file":
        return tmp_path / "instance.json"
    return SavedInDatabase("order-1", database_url=f"sqlite:///{tmp_path / 'processes.db'}")


def _states(handler_states: list[str]) -> dict[str, Any]:
    states = iter(handler_states)
    return {"handlers": {"test.status": lambda call: next(states)}}


def test_a_waiting_timer_is_saved_and_completes_when_resumed_later(slot: Any) -> None:
    clock = FakeClock()
    handlers = _states(["running", "succeeded"])
    first = run_process(
        BPMN / "poll.bpmn",
        {"interval": "PT1M"},
        save_to=slot,
        max_wait=5,
        **handlers,
        **_options(clock),
    )
    assert first["state"] == "waiting"
    assert first["variables"] == {"interval": "PT1M", "status": "running"}

    clock.now += dt.timedelta(minutes=2)
    outcome = resume_process(slot, max_wait=0, **handlers, **_options(clock))
    assert outcome == {
        "state": "completed",
        "variables": {"interval": "PT1M", "status": "succeeded"},
        "incidents": [],
    }
    assert clock.slept == []  # the timer was due: no wait

    with pytest.raises(ProcessAlreadyCompleted, match="completed process instance"):
        resume_process(slot, **handlers, **_options(clock))


def test_a_timer_not_yet_due_stays_waiting_and_is_saved_again(slot: Any) -> None:
    clock = FakeClock()
    handlers = _states(["running", "succeeded"])
    run_process(
        BPMN / "poll.bpmn", {"interval": "PT1H"}, save_to=slot, max_wait=0, **handlers,
        **_options(clock),
    )  # fmt: skip
    clock.now += dt.timedelta(minutes=30)
    assert resume_process(slot, max_wait=0, **handlers, **_options(clock))["state"] == "waiting"
    clock.now += dt.timedelta(minutes=31)
    assert resume_process(slot, max_wait=0, **handlers, **_options(clock))["state"] == "completed"


def test_an_incident_is_resolved_on_resume_with_new_variables(
    slot: Any, server: ScriptedServer
) -> None:
    clock = FakeClock()
    server.default = Reply(status=500, json={"error": {"message": "down", "type": "server"}})
    first = run_process(
        TRANSLATOR,
        {"text": "Good night", "language": "French"},
        save_to=slot,
        **_options(clock, server),
    )
    assert first["state"] == "incident"
    [incident] = first["incidents"]
    assert incident["element"] == "translate"
    attempts = len(server.requests)
    assert attempts >= 3  # the task's retries (3), each with the connector's own retries
    assert clock.slept.count(30.0) == 2  # retryBackoff PT30S between the task's attempts

    server.default = Reply(json=chat_body("Gute Nacht"))
    outcome = resume_process(slot, {"language": "German"}, **_options(clock, server))
    assert outcome["state"] == "completed"
    assert outcome["variables"]["translation"] == "Gute Nacht"
    assert outcome["variables"]["language"] == "German"
    [retried] = server.requests[attempts:]
    assert "into German" in retried.json["messages"][0]["content"]


def test_a_retried_incident_that_fails_again_is_an_incident_again(
    slot: Any, server: ScriptedServer
) -> None:
    clock = FakeClock()
    server.default = Reply(status=400, json={"error": {"message": "bad", "type": "invalid"}})
    options = _options(clock, server)
    assert (
        run_process(TRANSLATOR, {"text": "a", "language": "French"}, save_to=slot, **options)[
            "state"
        ]
        == "incident"
    )
    before = len(server.requests)
    again = resume_process(slot, retries=2, **options)
    assert again["state"] == "incident"
    assert len(server.requests) == before + 2  # --retries 2: two attempts


def test_an_unknown_database_id_is_refused(tmp_path: Path) -> None:
    where = SavedInDatabase("nope", database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(SavedProcessError, match="no saved process instance with id 'nope'"):
        resume_process(where)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SavedProcessError, match="no saved process instance at"):
        resume_process(tmp_path / "missing.json")


def _saved_file(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "instance.json"
    clock = FakeClock()
    run_process(
        BPMN / "poll.bpmn", {"interval": "PT1H"}, save_to=path, max_wait=0,
        **_states(["running"]), **_options(clock),
    )  # fmt: skip
    return path, json.loads(path.read_text())


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda data: "{ not json", "is not a saved process instance"),
        (lambda data: json.dumps({**data, "format": "x"}), "is not a saved process instance"),
        (lambda data: json.dumps({**data, "workflow": 3}), "'workflow' is missing"),
        (lambda data: json.dumps({**data, "workflow": "{}"}), "workflow state does not load"),
        (
            lambda data: json.dumps({**data, "bpmn": data["bpmn"] + "<!-- -->"}),
            "does not match its checksum",
        ),
        (
            lambda data: json.dumps(
                {**data, "bpmn": (BPMN / "gateways.bpmn").read_text(), "bpmn_sha256": None}
            ),
            "is corrupt: no executable process 'poll'",
        ),
        (
            lambda data: json.dumps(
                {
                    **data,
                    "bpmn": (BPMN / "gateways.bpmn")
                    .read_text()
                    .replace('<bpmn:process id="gateways"', '<bpmn:process id="poll"'),
                    "bpmn_sha256": None,
                }
            ),
            "its instance is not of the process 'poll' saved with it",
        ),
    ],
)
def test_a_corrupt_save_is_refused_naming_the_file(tmp_path: Path, damage: Any, says: str) -> None:
    path, data = _saved_file(tmp_path)
    path.write_text(damage(data))
    with pytest.raises(SavedProcessError, match=says) as caught:
        resume_process(path, **_states([]))
    assert str(path) in caught.value.message


def test_a_save_resumed_with_another_bpmn_file_is_refused(tmp_path: Path) -> None:
    path, _ = _saved_file(tmp_path)
    with pytest.raises(SavedProcessError, match="instance of another BPMN file"):
        run_process(BPMN / "gateways.bpmn", resume_from=path)
    # with its own BPMN file it goes on
    clock = FakeClock()
    clock.now += dt.timedelta(hours=2)
    outcome = run_process(
        BPMN / "poll.bpmn", resume_from=path, max_wait=0, **_states(["succeeded"]),
        **_options(clock),
    )  # fmt: skip
    assert outcome["state"] == "completed"


def test_a_database_that_cannot_be_opened_is_a_clear_error() -> None:
    where = SavedInDatabase("x", database_url="nosuchdriver://h/db")
    with pytest.raises(SavedProcessError, match="cannot open nosuchdriver://h/db"):
        resume_process(where)


def test_resume_needs_at_least_one_retry(tmp_path: Path) -> None:
    from openai_connector.errors import ConfigError

    with pytest.raises(ConfigError, match="retries must be 1 or more"):
        resume_process(tmp_path / "x.json", retries=0)


def test_a_retry_backoff_beyond_max_wait_is_saved_and_retried_on_resume(
    slot: Any, server: ScriptedServer
) -> None:
    clock = FakeClock()
    server.script(Reply(status=400, json={"error": {"message": "no", "type": "invalid"}}))
    options = _options(clock, server)
    first = run_process(
        TRANSLATOR, {"text": "a", "language": "French"}, save_to=slot, max_wait=0, **options
    )
    assert first["state"] == "waiting"  # retryBackoff PT30S after the first failure
    assert len(server.requests) == 1

    server.script(Reply(json=chat_body("b")))
    clock.now += dt.timedelta(seconds=10)
    assert resume_process(slot, max_wait=0, **options)["state"] == "waiting"  # not yet due
    assert len(server.requests) == 1
    clock.now += dt.timedelta(seconds=25)
    outcome = resume_process(slot, max_wait=0, **options)
    assert outcome["state"] == "completed"
    assert outcome["variables"]["translation"] == "b"


def test_a_new_save_over_an_instance_that_is_not_completed_is_refused_before_running(
    tmp_path: Path, server: ScriptedServer
) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    clock = FakeClock()
    options = _options(clock, server)
    server.default = Reply(status=400, json={"error": {"message": "no", "type": "invalid"}})
    variables = {"text": "a", "language": "French"}
    first = run_process(TRANSLATOR, variables, save_to=SavedInDatabase("t", url), **options)
    assert first["state"] == "incident"
    sent = len(server.requests)
    with pytest.raises(SavedProcessError, match=r"'t' is saved in .* already \(incident\)"):
        run_process(TRANSLATOR, variables, save_to=SavedInDatabase("t", url), **options)
    assert len(server.requests) == sent  # refused before any call

    server.default = Reply(json=chat_body("b"))
    assert resume_process(SavedInDatabase("t", url), **options)["state"] == "completed"
    again = run_process(TRANSLATOR, variables, save_to=SavedInDatabase("t", url), **options)
    assert again["state"] == "completed"  # a completed instance may be replaced


def test_two_resumes_of_one_instance_at_once_save_only_the_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    clock = FakeClock()
    handlers = _states(["running", "running", "running"])
    run_process(
        BPMN / "poll.bpmn", {"interval": "PT1M"}, save_to=SavedInDatabase("p", url),
        max_wait=0, **handlers, **_options(clock),
    )  # fmt: skip
    here, there = SavedInDatabase("p", url), SavedInDatabase("p", url)
    text = here.read()
    assert there.read() == text
    here.write(text, process_id="poll", state="waiting")
    with pytest.raises(SavedProcessError, match=r"was saved again .* since it was read"):
        there.write(text, process_id="poll", state="waiting")


def test_database_saves_without_the_service_extra_say_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sqlalchemy.exc", None)
    where = SavedInDatabase("x", database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(SavedProcessError, match="needs sqlalchemy") as caught:
        resume_process(where)
    assert caught.value.hint == "pip install 'openai-connector[service]'"
