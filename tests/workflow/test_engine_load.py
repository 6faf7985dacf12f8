"""Loading BPMN: what the embedded engine cannot run fails at load time, naming the element."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("SpiffWorkflow")

from engine_helpers import BPMN, EXAMPLES, FakeClock, engine

from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.workflow.definition import ProcessLoadError

SAMPLES = Path("/work/shared/specs/bpmn-samples")
if not SAMPLES.is_dir():
    import os

    SAMPLES = Path(os.environ.get("OPENAI_CONNECTOR_SHARED", "../shared")) / "specs/bpmn-samples"


def process(body: str, extra: str = "") -> str:
    """A process starting at 'start' and ending at 'end' with ``body`` in between (as 'x')."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  {extra}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="x" />
    {body}
    <bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def script(expression: str, result: str = "r") -> str:
    return (
        '<bpmn:scriptTask id="x"><bpmn:extensionElements>'
        f'<zeebe:script expression="{expression}" resultVariable="{result}" />'
        "</bpmn:extensionElements></bpmn:scriptTask>"
    )


def service(task_type: str, extensions: str = "", attrs: str = "") -> str:
    return (
        f'<bpmn:serviceTask id="x"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{task_type}" {attrs}/>{extensions}'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )


UNSUPPORTED = [
    ('<bpmn:userTask id="x" />', "x", "userTask"),
    ('<bpmn:subProcess id="x" />', "x", "subProcess"),
    ('<bpmn:callActivity id="x" />', "x", "callActivity"),
    ('<bpmn:receiveTask id="x" />', "x", "receiveTask"),
    ('<bpmn:businessRuleTask id="x" />', "x", "businessRuleTask"),
    ('<bpmn:eventBasedGateway id="x" />', "x", "eventBasedGateway"),
    (
        '<bpmn:intermediateCatchEvent id="x"><bpmn:messageEventDefinition />'
        "</bpmn:intermediateCatchEvent>",
        "x",
        "messageEventDefinition",
    ),
    (
        '<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition><bpmn:timeCycle>'
        "R3/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        "x",
        "timeCycle",
    ),
    (
        '<bpmn:serviceTask id="x"><bpmn:multiInstanceLoopCharacteristics />'
        '<bpmn:extensionElements><zeebe:taskDefinition type="io.camunda:http-json:1" />'
        "</bpmn:extensionElements></bpmn:serviceTask>",
        "x",
        "multiInstanceLoopCharacteristics",
    ),
    ('<bpmn:serviceTask id="x" />', "x", "zeebe:taskDefinition"),
    ('<bpmn:scriptTask id="x" />', "x", "zeebe:script"),
    (service("billing.charge"), "x", "no handler for task type 'billing.charge'"),
    (service("io.openai-connector:chat.nope:1"), "x", "names no operation"),
    (service("io.camunda:http-json:1", attrs='retries="=3"'), "x", "retries"),
    (script("=1 +"), "x", "FEEL expression"),
    (script("=nosuchfunction(1)"), "x", "unknown function"),
    (
        service(
            "io.camunda:http-json:1",
            '<zeebe:ioMapping><zeebe:input source="=a +* b" target="url" /></zeebe:ioMapping>',
        ),
        "x",
        "input url",
    ),
    (
        service(
            "io.camunda:http-json:1",
            '<zeebe:taskHeaders><zeebe:header key="resultExpression" value="={a: }" />'
            "</zeebe:taskHeaders>",
        ),
        "x",
        "header resultExpression",
    ),
]


def _boundary(definition: str) -> str:
    return service("io.camunda:http-json:1") + (
        f'<bpmn:boundaryEvent id="b" attachedToRef="x">{definition}</bpmn:boundaryEvent>'
    )


def _event(kind: str, definition: str) -> str:
    return f'<bpmn:{kind} id="x"><bpmn:{definition} /></bpmn:{kind}>'


# every family docs/workflow.md lists as not supported, each named at load
UNSUPPORTED += [
    ('<bpmn:sendTask id="x" />', "x", "sendTask"),
    ('<bpmn:manualTask id="x" />', "x", "manualTask"),
    ('<bpmn:adHocSubProcess id="x" />', "x", "adHocSubProcess"),
    ('<bpmn:transaction id="x" />', "x", "transaction"),
    ('<bpmn:complexGateway id="x" />', "x", "complexGateway"),
    (_event("intermediateCatchEvent", "signalEventDefinition"), "x", "signalEventDefinition"),
    (_event("intermediateThrowEvent", "signalEventDefinition"), "x", "signalEventDefinition"),
    (_event("intermediateThrowEvent", "messageEventDefinition"), "x", "messageEventDefinition"),
    (
        _event("intermediateThrowEvent", "escalationEventDefinition"),
        "x",
        "escalationEventDefinition",
    ),
    (
        _event("intermediateThrowEvent", "compensateEventDefinition"),
        "x",
        "compensateEventDefinition",
    ),
    (_event("intermediateThrowEvent", "linkEventDefinition"), "x", "linkEventDefinition"),
    (
        '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition>'
        "<bpmn:condition>=a</bpmn:condition></bpmn:conditionalEventDefinition>"
        "</bpmn:intermediateCatchEvent>",
        "x",
        "conditionalEventDefinition",
    ),
    (_boundary("<bpmn:messageEventDefinition />"), "b", "messageEventDefinition"),
    (_boundary("<bpmn:signalEventDefinition />"), "b", "signalEventDefinition"),
    (_boundary("<bpmn:escalationEventDefinition />"), "b", "escalationEventDefinition"),
    (_boundary("<bpmn:compensateEventDefinition />"), "b", "compensateEventDefinition"),
    (
        _boundary(
            "<bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1M</bpmn:timeCycle>"
            "</bpmn:timerEventDefinition>"
        ),
        "b",
        "timeCycle",
    ),
    (
        '<bpmn:serviceTask id="x"><bpmn:standardLoopCharacteristics />'
        '<bpmn:extensionElements><zeebe:taskDefinition type="io.camunda:http-json:1" />'
        "</bpmn:extensionElements></bpmn:serviceTask>",
        "x",
        "standardLoopCharacteristics",
    ),
]


def _with_start_and_end(start: str, end: str) -> str:
    return (
        process('<bpmn:task id="x" />')
        .replace('<bpmn:startEvent id="start" />', start)
        .replace('<bpmn:endEvent id="end" />', end)
    )


@pytest.mark.parametrize(
    ("text", "element", "says"),
    [
        (
            _with_start_and_end(
                '<bpmn:startEvent id="start"><bpmn:timerEventDefinition><bpmn:timeDuration>'
                "PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>",
                '<bpmn:endEvent id="end" />',
            ),
            "start",
            "startEvent with timerEventDefinition",
        ),
        (
            _with_start_and_end(
                '<bpmn:startEvent id="start"><bpmn:signalEventDefinition /></bpmn:startEvent>',
                '<bpmn:endEvent id="end" />',
            ),
            "start",
            "startEvent with signalEventDefinition",
        ),
        (
            _with_start_and_end(
                '<bpmn:startEvent id="start" />',
                '<bpmn:endEvent id="end"><bpmn:escalationEventDefinition /></bpmn:endEvent>',
            ),
            "end",
            "endEvent with escalationEventDefinition",
        ),
        (
            _with_start_and_end(
                '<bpmn:startEvent id="start" />',
                '<bpmn:endEvent id="end"><bpmn:messageEventDefinition /></bpmn:endEvent>',
            ),
            "end",
            "endEvent with messageEventDefinition",
        ),
    ],
)
def test_unsupported_start_and_end_events_fail_at_load_naming_them(
    text: str, element: str, says: str
) -> None:
    with pytest.raises(ProcessLoadError) as caught:
        engine(FakeClock()).load(text)
    assert caught.value.element == element
    assert says in caught.value.message


@pytest.mark.parametrize("body", ['<bpmn:task id="x" />', '<bpmn:intermediateThrowEvent id="x" />'])
def test_an_undefined_task_and_a_none_throw_event_pass_the_token_on(body: str) -> None:
    eng = engine(FakeClock())
    instance = eng.start(eng.load(process(body)), {"a": 1})
    assert eng.run(instance).to_dict() == {
        "state": "completed",
        "variables": {"a": 1},
        "incidents": [],
    }
    assert '"format": "openai-connector-process/1"' in eng.save(instance)


@pytest.mark.parametrize(("body", "element", "says"), UNSUPPORTED)
def test_what_cannot_run_fails_at_load_naming_the_element(
    body: str, element: str, says: str
) -> None:
    with pytest.raises(ProcessLoadError) as caught:
        engine(FakeClock()).load(process(body))
    assert caught.value.element == element
    assert f"'{element}'" in caught.value.message
    assert says in caught.value.message
    assert exit_code_of(caught.value) == 2


def test_a_condition_that_is_not_feel_fails_at_load() -> None:
    body = (
        '<bpmn:exclusiveGateway id="x" default="f2" />'
        '<bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="end">'
        "<bpmn:conditionExpression>${a &gt; 1}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    with pytest.raises(ProcessLoadError, match=r"'f3'.*must be a FEEL expression"):
        engine(FakeClock()).load(process(body))


def test_a_bad_feel_condition_fails_at_load() -> None:
    body = (
        '<bpmn:exclusiveGateway id="x" default="f2" />'
        '<bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="end">'
        "<bpmn:conditionExpression>=a &gt;</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    with pytest.raises(ProcessLoadError, match="'f3': condition: FEEL"):
        engine(FakeClock()).load(process(body))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not xml", "cannot read"),
        ("<a>unclosed", "not BPMN XML"),
        (process("").replace('isExecutable="true"', 'isExecutable="false"'), "no executable"),
    ],
)
def test_files_that_are_not_processes_fail_at_load(text: str, says: str) -> None:
    with pytest.raises(ProcessLoadError, match=says):
        engine(FakeClock()).load(text)


def test_a_handler_given_to_the_engine_makes_a_custom_task_type_loadable() -> None:
    eng = engine(FakeClock(), handlers={"billing.charge": lambda call: {"ok": True}})
    assert eng.load(process(service("billing.charge"))).jobs["x"].type == "billing.charge"


def test_pyzeebe_sample_fails_at_load_naming_its_message_start_event() -> None:
    sample = SAMPLES / "pyzeebe-integration-test.bpmn"
    if not sample.is_file():
        pytest.skip("shared BPMN samples not present")
    with pytest.raises(ProcessLoadError) as caught:
        engine(FakeClock(), handlers={"test": lambda call: None}).load(sample)
    assert caught.value.element == "Event_0hg01mt"
    assert "messageEventDefinition" in caught.value.message


def test_camunda_webhook_sample_fails_at_load_naming_its_webhook_boundary_event() -> None:
    sample = SAMPLES / "camunda-connectors-single-webhook-boundary.bpmn"
    if not sample.is_file():
        pytest.skip("shared BPMN samples not present")
    with pytest.raises(ProcessLoadError) as caught:
        engine(FakeClock()).load(sample)
    assert caught.value.element == "boundary_event"
    assert "messageEventDefinition" in caught.value.message


@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.glob("*.bpmn")) + sorted(BPMN.glob("*.bpmn")), ids=lambda p: p.name
)
def test_every_example_and_test_process_loads(path: Path) -> None:
    handlers = {"test.work": lambda call: None, "test.status": lambda call: None}
    loaded = engine(FakeClock(), handlers=handlers).load(path)
    assert loaded.process_id


def test_the_workflow_package_exports_what_its_all_names_without_loading_spiffworkflow() -> None:
    import subprocess
    import sys

    import openai_connector.workflow as workflow

    for name in workflow.__all__:
        assert getattr(workflow, name) is not None
    code = "import sys, openai_connector.workflow.feel; print('SpiffWorkflow' in sys.modules)"
    light = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert light.stdout.strip() == "False"


def test_modelled_only_artifacts_are_ignored_as_zeebe_does() -> None:
    # a pool, a lane, an annotation, a group, a data object and a data store linked to the
    # task: the Modeler writes them, Zeebe ignores them, and so does the engine
    text = (
        (BPMN / "gateways.bpmn")
        .read_text()
        .replace(
            '<bpmn:process id="gateways"',
            '<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="gateways" />'
            '</bpmn:collaboration><bpmn:process id="gateways"',
        )
        .replace(
            '<bpmn:startEvent id="start"',
            '<bpmn:laneSet id="ls"><bpmn:lane id="lane"><bpmn:flowNodeRef>start'
            "</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
            '<bpmn:textAnnotation id="note"><bpmn:text>hi</bpmn:text></bpmn:textAnnotation>'
            '<bpmn:association id="link" sourceRef="start" targetRef="note" />'
            '<bpmn:group id="group" /><bpmn:dataObject id="data" />'
            '<bpmn:dataObjectReference id="dataref" dataObjectRef="data" />'
            '<bpmn:dataStoreReference id="store" />'
            '<bpmn:startEvent id="start"',
            1,
        )
        .replace(
            '<bpmn:scriptTask id="double">',
            '<bpmn:scriptTask id="double"><bpmn:property id="prop" name="__targetRef" />'
            '<bpmn:dataInputAssociation id="in"><bpmn:sourceRef>dataref</bpmn:sourceRef>'
            "<bpmn:targetRef>prop</bpmn:targetRef></bpmn:dataInputAssociation>"
            '<bpmn:dataOutputAssociation id="out"><bpmn:targetRef>store</bpmn:targetRef>'
            "</bpmn:dataOutputAssociation>",
        )
    )
    assert text.count("dataInputAssociation") == 2
    eng = engine(FakeClock())
    instance = eng.start(eng.load(text), {"n": 7})
    assert eng.run(instance).to_dict() == {
        "state": "completed",
        "variables": {"n": 7, "doubled": 14, "label": "large", "tens": 150},
        "incidents": [],
    }
