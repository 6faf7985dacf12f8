"""Running processes: gateways, script tasks, mappings, timers, Camunda's job semantics."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("SpiffWorkflow")

from engine_helpers import BPMN, FakeClock, engine, run

from openai_connector.workflow.job import JobFailed


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (3, {"n": 3, "doubled": 6, "label": "small"}),
        (7, {"n": 7, "doubled": 14, "label": "large", "tens": 150}),
    ],
)
def test_exclusive_and_parallel_gateways_follow_feel_conditions(
    n: int, expected: dict[str, Any]
) -> None:
    outcome = run(engine(FakeClock()), BPMN / "gateways.bpmn", {"n": n})
    # the script task's input 'plus' and result 'ignored' stay local: only outputs leave it
    assert outcome == {"state": "completed", "variables": expected, "incidents": []}


def _work(call: Any) -> Any:
    mode = call.variables["mode"]
    if mode == "busy":
        raise JobFailed("busy", "try later")
    if mode == "boom":
        raise ValueError("boom")
    return {"body": mode}


def test_result_variable_holds_the_response() -> None:
    clock = FakeClock()
    outcome = run(
        engine(clock, handlers={"test.work": _work}), BPMN / "errors.bpmn", {"mode": "fine"}
    )
    assert outcome["state"] == "completed"
    assert outcome["variables"] == {"mode": "fine", "answer": {"body": "fine"}}
    assert clock.slept == []


def test_bpmn_error_from_the_error_expression_is_caught_by_its_boundary_event() -> None:
    clock = FakeClock()
    outcome = run(
        engine(clock, handlers={"test.work": _work}), BPMN / "errors.bpmn", {"mode": "busy"}
    )
    assert outcome["state"] == "completed"
    # bpmnError's variables reach the path after the boundary event
    assert outcome["variables"]["seen"] == "try later"
    assert outcome["variables"]["answer"] == "recovered: try later"
    assert clock.slept == []


def test_failure_retries_after_the_backoff_then_becomes_an_incident() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def failing(call: Any) -> Any:
        calls.append(1)
        raise ValueError("boom")

    outcome = run(
        engine(clock, handlers={"test.work": failing}), BPMN / "errors.bpmn", {"mode": "x"}
    )
    assert outcome["state"] == "incident"
    assert len(calls) == 2  # retries="2" on the task definition
    assert clock.slept == [10.0]  # retryBackoff PT10S between the two tries
    assert outcome["incidents"] == [
        {"element": "work", "type": "test.work", "code": "ValueError", "message": "boom"}
    ]


def test_a_retry_that_succeeds_completes() -> None:
    clock = FakeClock()
    answers = iter([ValueError("flaky"), {"body": "second"}])

    def flaky(call: Any) -> Any:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    outcome = run(engine(clock, handlers={"test.work": flaky}), BPMN / "errors.bpmn", {"mode": "x"})
    assert outcome["state"] == "completed"
    assert outcome["variables"]["answer"] == {"body": "second"}
    assert clock.slept == [10.0]


def test_an_uncaught_bpmn_error_is_an_incident() -> None:
    outcome = run(
        engine(FakeClock(), handlers={"test.work": _work}), BPMN / "errors.bpmn", {"mode": "reject"}
    )
    assert outcome["state"] == "incident"
    [incident] = outcome["incidents"]
    assert incident["code"] == "unhandled_bpmn_error"
    assert "'OTHER'" in incident["message"]


def test_a_timer_loop_polls_on_the_injected_clock() -> None:
    clock = FakeClock()
    states = iter(["queued", "running", "succeeded"])
    outcome = run(
        engine(clock, handlers={"test.status": lambda call: next(states)}),
        BPMN / "poll.bpmn",
        {"interval": "PT30S"},
    )
    assert outcome == {
        "state": "completed",
        "variables": {"interval": "PT30S", "status": "succeeded"},
        "incidents": [],
    }
    assert clock.slept == [30.0, 30.0]


def test_a_wait_beyond_max_wait_stops_as_waiting_and_resumes_from_its_save() -> None:
    clock = FakeClock()
    states = iter(["running", "succeeded"])
    handlers = {"test.status": lambda call: next(states)}
    first = engine(clock, handlers=handlers, max_wait=5)
    instance = first.start(first.load(BPMN / "poll.bpmn"), {"interval": "PT1M"})
    assert first.run(instance).state == "waiting"
    saved = first.save(instance)
    assert clock.slept == []

    clock.now += __import__("datetime").timedelta(minutes=2)
    second = engine(clock, handlers=handlers, max_wait=0)
    outcome = second.run(second.resume(saved))
    assert outcome.state == "completed"
    assert outcome.variables["status"] == "succeeded"


def test_resume_refuses_what_is_not_a_saved_process() -> None:
    from openai_connector.workflow.definition import ProcessLoadError

    with pytest.raises(ProcessLoadError, match="not a saved process"):
        engine(FakeClock()).resume('{"format": "other"}')


ERROR_EXPRESSIONS = [
    # (errorExpression, handler outcome, expected state, expected variables subset)
    (
        '=if response.body = "bad" then bpmnError("BUSY", "no") else null',
        "bad",
        "completed",
        {"answer": None},
    ),  # "recovered: " + a missing variable is null in FEEL
    ('=if error.code = "busy" then jobError("again", {}, 0) else null', "busy", "incident", {}),
    ("=null", "busy", "incident", {}),
]


@pytest.mark.parametrize(("expression", "mode", "state", "subset"), ERROR_EXPRESSIONS)
def test_error_expression_table(expression: str, mode: str, state: str, subset: dict) -> None:
    text = (BPMN / "errors.bpmn").read_text()
    start = text.index('<zeebe:header key="errorExpression"')
    end = text.index("/>", start) + 2
    header = f"<zeebe:header key=\"errorExpression\" value='{expression}' />"
    outcome = run(
        engine(FakeClock(), handlers={"test.work": _work}),
        text[:start] + header + text[end:],
        {"mode": mode},
    )
    assert outcome["state"] == state
    assert subset.items() <= outcome["variables"].items()


def test_job_error_sets_retries_and_backoff() -> None:
    clock = FakeClock()
    text = (BPMN / "errors.bpmn").read_text()
    start = text.index('<zeebe:header key="errorExpression"')
    end = text.index("/>", start) + 2
    header = (
        '<zeebe:header key="errorExpression" value=\'=if is defined(error) then '
        'jobError("slow down", {}, 1, @"PT2M") else null\' />'
    )
    answers = iter([ValueError("first"), {"body": "then fine"}])

    def flaky(call: Any) -> Any:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    outcome = run(
        engine(clock, handlers={"test.work": flaky}),
        text[:start] + header + text[end:],
        {"mode": "x"},
    )
    assert outcome["state"] == "completed"
    assert clock.slept == [120.0]  # jobError's timeout replaces retryBackoff (PT10S)


def test_a_boundary_timer_interrupts_a_task_waiting_to_retry() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def failing(call: Any) -> Any:
        calls.append(1)
        raise ValueError("still failing")

    outcome = run(engine(clock, handlers={"test.work": failing}), BPMN / "deadline.bpmn", {})
    assert outcome == {"state": "completed", "variables": {"answer": "timed out"}, "incidents": []}
    assert len(calls) == 2  # tried at 0 and at 10 min; the PT15M boundary timer fires first
    assert clock.slept == [600.0, 300.0]


def test_a_task_done_before_its_boundary_timer_completes_normally() -> None:
    clock = FakeClock()
    outcome = run(
        engine(clock, handlers={"test.work": lambda call: "quick"}), BPMN / "deadline.bpmn", {}
    )
    assert outcome["variables"] == {"answer": "quick"}
    assert clock.slept == []
