"""Reading a Camunda 8 (Zeebe) BPMN file into SpiffWorkflow specs, failing early and by name.

SpiffWorkflow knows no ``zeebe:`` extensions: service and script tasks get a parser of ours
that reads them into a :class:`~.definition.JobSpec` and makes the task *manual*, so
SpiffWorkflow stops at it and the engine runs the job outside SpiffWorkflow's run hook (where
throwing a BPMN error is not safe). Timers get clock-driven event definitions. Before any of
that, every element of the process is checked against what the engine honours; anything else
(message events, user tasks, sub-processes, loops, …) fails the load naming the element, and so
does a FEEL expression that does not compile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.event_parsers import (
    BoundaryEventParser,
    IntermediateCatchEventParser,
)
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import NoneTask

from .definition import (
    DEFAULT_RETRIES,
    SCRIPT_TASK_TYPE,
    ZEEBE_NS,
    ExpressionCache,
    JobSpec,
    Mapping,
    ProcessLoadError,
    check_expression,
)
from .timers import ClockDateTimer, ClockDurationTimer

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FLOW_NODES: dict[str, set[str | None]] = {
    "startEvent": {None},
    "endEvent": {None, "errorEventDefinition", "terminateEventDefinition"},
    "intermediateCatchEvent": {"timerEventDefinition"},
    "intermediateThrowEvent": {None},
    "boundaryEvent": {"timerEventDefinition", "errorEventDefinition"},
    "serviceTask": {None},
    "scriptTask": {None},
    "task": {None},
    "exclusiveGateway": {None},
    "parallelGateway": {None},
    "inclusiveGateway": {None},
}
MODELLED_ONLY = {"group", "dataObject", "dataObjectReference", "dataStoreReference"}
MODELLED_ONLY_PARTS = {"dataInputAssociation", "dataOutputAssociation", "property"}
"""Data objects and stores, groups, and a task's links to them are modelled only: Zeebe
accepts and ignores them, so the engine drops them before SpiffWorkflow reads the process."""
OTHER_CHILDREN = {
    "sequenceFlow",
    "documentation",
    "extensionElements",
    "laneSet",
    "textAnnotation",
    "association",
    *MODELLED_ONLY,
}
NODE_PARTS = {
    "incoming",
    "outgoing",
    "documentation",
    "extensionElements",
    "conditionExpression",
    *MODELLED_ONLY_PARTS,
}
TIMER_PARTS = {"timeDuration", "timeDate"}


class JobTask(NoneTask):  # type: ignore[misc]
    """A service or script task: manual for SpiffWorkflow, run by the engine."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        kwargs["manual"] = True
        super().__init__(wf_spec, bpmn_id, **kwargs)


class UndefinedTask(NoneTask):  # type: ignore[misc]
    """A ``bpmn:task`` (no type): passes the token on at once, as Zeebe does."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


def _local(node: Any) -> str:
    return str(etree.QName(node).localname)


def _zeebe(node: Any, path: str) -> list[Any]:
    return list(node.iterfind(path, {"zeebe": ZEEBE_NS, "bpmn": BPMN_NS}))


def read_job(node: Any) -> JobSpec:
    """The JobSpec of a service or script task node."""
    element = node.get("id")
    kind = _local(node)
    headers = {h.get("key"): h.get("value", "") for h in _zeebe(node, ".//zeebe:header")}
    inputs = tuple(
        Mapping(m.get("source", ""), m.get("target", "")) for m in _zeebe(node, ".//zeebe:input")
    )
    outputs = tuple(
        Mapping(m.get("source", ""), m.get("target", "")) for m in _zeebe(node, ".//zeebe:output")
    )
    definitions = _zeebe(node, ".//zeebe:taskDefinition")
    scripts = _zeebe(node, ".//zeebe:script")
    if kind == "scriptTask" and scripts:
        script = scripts[0]
        headers = {"script": script.get("expression", ""), **headers}
        if script.get("resultVariable"):
            headers["resultVariable"] = script.get("resultVariable")
        return JobSpec(element, SCRIPT_TASK_TYPE, 1, inputs, outputs, headers)
    if not definitions or not definitions[0].get("type"):
        what = (
            "zeebe:script (expression and resultVariable)"
            if kind == "scriptTask"
            else ("zeebe:taskDefinition with a type")
        )
        raise ProcessLoadError(
            f"element {element!r} ({kind}): no {what}",
            element=element,
            hint="configure the task in the Camunda Modeler (or with an element template)",
        )
    definition = definitions[0]
    retries_text = definition.get("retries") or str(DEFAULT_RETRIES)
    try:
        retries = int(retries_text)
    except ValueError:
        raise ProcessLoadError(
            f"element {element!r}: zeebe:taskDefinition retries {retries_text!r} is not a "
            "whole number (FEEL retries are not supported)",
            element=element,
        ) from None
    return JobSpec(element, definition.get("type"), retries, inputs, outputs, headers)


def check_elements(process: Any) -> None:
    """Raise ProcessLoadError naming the first element the engine does not honour."""
    for child in process:
        if not isinstance(child.tag, str):
            continue
        name = _local(child)
        element = child.get("id") or name
        if name in OTHER_CHILDREN:
            continue
        allowed = FLOW_NODES.get(name)
        if allowed is None:
            raise ProcessLoadError(
                f"element {element!r}: {name} is not supported by the embedded engine",
                element=element,
                hint="supported: start/end events, service and script tasks, exclusive, "
                "parallel and inclusive gateways, timer and error events, sequence flows",
            )
        definitions = [
            _local(part)
            for part in child
            if isinstance(part.tag, str) and _local(part).endswith("EventDefinition")
        ]
        others = [
            _local(part)
            for part in child
            if isinstance(part.tag, str)
            and not _local(part).endswith("EventDefinition")
            and _local(part) not in NODE_PARTS
        ]
        kind = definitions[0] if len(definitions) == 1 else None
        if len(definitions) > 1 or kind not in allowed or others:
            what = ", ".join(definitions + others) or "no event definition"
            raise ProcessLoadError(
                f"element {element!r}: {name} with {what} is not supported by the embedded engine",
                element=element,
            )
        if kind == "timerEventDefinition":
            _check_timer(child, element)


def _drop_modelled_only(process: Any) -> None:
    for child in list(process):
        if not isinstance(child.tag, str):
            continue
        if _local(child) in MODELLED_ONLY:
            process.remove(child)
            continue
        for part in list(child):
            if isinstance(part.tag, str) and _local(part) in MODELLED_ONLY_PARTS:
                child.remove(part)


def _check_timer(node: Any, element: str) -> None:
    parts = {_local(p) for d in node for p in d if isinstance(p.tag, str)}
    if not parts or not parts <= TIMER_PARTS:
        raise ProcessLoadError(
            f"element {element!r}: timer with {', '.join(sorted(parts)) or 'no time'}: only "
            "timeDuration and timeDate are supported (not timeCycle)",
            element=element,
        )


def _timer(parser: Any, event: Any) -> Any:
    name = parser.node.get("name", parser.node.get("id"))
    for tag, cls in (("timeDate", ClockDateTimer), ("timeDuration", ClockDurationTimer)):
        found = event.find(f"{{{BPMN_NS}}}{tag}")
        if found is not None:
            return cls(name, (found.text or "").strip())
    raise ValidationException("no timeDuration or timeDate", node=parser.node)


class _CatchParser(IntermediateCatchEventParser):  # type: ignore[misc]
    def parse_timer_event(self, event: Any) -> Any:
        return _timer(self, event)


class _BoundaryParser(BoundaryEventParser):  # type: ignore[misc]
    def parse_timer_event(self, event: Any) -> Any:
        return _timer(self, event)


class _JobParser(TaskParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        task = self.spec_class(self.spec, self.bpmn_id, **self.bpmn_attributes)
        return task

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return {"job": read_job(self.node if node is None else node).to_dict()}


class ZeebeParser(BpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {
        full_tag("serviceTask"): (_JobParser, JobTask),
        full_tag("scriptTask"): (_JobParser, JobTask),
        full_tag("task"): (TaskParser, UndefinedTask),
        full_tag("intermediateCatchEvent"): (
            _CatchParser,
            BpmnParser.PARSER_CLASSES[full_tag("intermediateCatchEvent")][1],
        ),
        full_tag("boundaryEvent"): (
            _BoundaryParser,
            BpmnParser.PARSER_CLASSES[full_tag("boundaryEvent")][1],
        ),
    }


@dataclass(frozen=True, slots=True)
class LoadedProcess:
    """A parsed, checked process: its spec and the BPMN text it came from."""

    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    bpmn: str
    jobs: dict[str, JobSpec]


def _check_feel(root: Any, jobs: dict[str, JobSpec], cache: ExpressionCache) -> None:
    for job in jobs.values():
        for where, text in job.expressions():
            check_expression(cache, job.element, where, text)
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        if condition is not None and (condition.text or "").strip():
            text = condition.text.strip()
            if not text.startswith("="):
                raise ProcessLoadError(
                    f"element {flow.get('id')!r}: condition {text!r} must be a FEEL "
                    "expression starting with '='",
                    element=flow.get("id"),
                )
            check_expression(cache, flow.get("id"), "condition", text)
    for timer in root.iter(f"{{{BPMN_NS}}}timeDuration", f"{{{BPMN_NS}}}timeDate"):
        text = (timer.text or "").strip()
        element = timer.getparent().getparent().get("id")
        if text.startswith("="):
            check_expression(cache, element, "timer", text)


def load_process(
    source: str, *, process_id: str | None = None, cache: ExpressionCache | None = None
) -> LoadedProcess:
    """Parse BPMN XML text; ProcessLoadError names what cannot run."""
    cache = cache or ExpressionCache()
    try:
        root = etree.fromstring(source.encode(), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ProcessLoadError(f"not BPMN XML: {exc}") from None
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process")]
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"]
    if process_id is not None:
        executable = [p for p in processes if p.get("id") == process_id]
    if not executable:
        found = ", ".join(p.get("id") for p in processes) or "none"
        raise ProcessLoadError(
            f"no executable process{f' {process_id!r}' if process_id else ''} (found: {found})"
        )
    if len(executable) > 1:
        ids = ", ".join(p.get("id") for p in executable)
        raise ProcessLoadError(f"several executable processes ({ids}): name one to run")
    process = executable[0]
    check_elements(process)
    _drop_modelled_only(process)
    jobs = {
        node.get("id"): read_job(node)
        for node in process
        if isinstance(node.tag, str) and _local(node) in ("serviceTask", "scriptTask")
    }
    _check_feel(process, jobs, cache)
    parser = ZeebeParser()
    try:
        parser.add_bpmn_xml(root, filename="process.bpmn")
        spec = parser.get_spec(process.get("id"))
        subprocesses = parser.get_subprocess_specs(process.get("id"))
    except ValidationException as exc:
        element = getattr(exc, "id", None)
        raise ProcessLoadError(
            f"element {element!r}: {exc.args[0] if exc.args else exc}", element=element
        ) from None
    return LoadedProcess(process.get("id"), spec, subprocesses, source, jobs)
