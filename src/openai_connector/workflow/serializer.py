"""Saving a process instance: SpiffWorkflow's serialiser, taught our task and timer classes.

The job definitions live in each task spec's ``extensions`` (plain JSON), so the standard
converters carry them; the script engine (clock, handlers) is not saved and is attached again
when the instance is resumed.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer

from .bpmn_parser import JobTask, UndefinedTask
from .timers import ClockDateTimer, ClockDurationTimer

_CONFIG = {
    **DEFAULT_CONFIG,
    JobTask: BpmnTaskSpecConverter,
    UndefinedTask: BpmnTaskSpecConverter,
    ClockDurationTimer: TimerConditionalEventDefinitionConverter,
    ClockDateTimer: TimerConditionalEventDefinitionConverter,
}
_serializer: Any = None


def _get() -> Any:
    global _serializer  # noqa: PLW0603 - one serialiser, built on first use
    if _serializer is None:
        _serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
    return _serializer


def dump_workflow(workflow: Any) -> str:
    return str(_get().serialize_json(workflow))


def load_workflow(text: str) -> Any:
    return _get().deserialize_json(text)
