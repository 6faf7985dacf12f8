"""Throwing a job's BPMN error to the boundary event that catches its code.

The error is thrown by the engine after the job has finished, never from inside a
SpiffWorkflow run hook. Only error boundary events attached to the failed task are
considered (a boundary event without an error code catches every code), as in Camunda 8.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState


def catching_boundary(task: Any, code: str) -> Any | None:
    """The waiting error boundary event on ``task`` that catches ``code`` (exact first)."""
    parent = task.parent
    if parent is None:
        return None
    candidates = [
        sibling
        for sibling in parent.children
        if sibling is not task
        and sibling.state == TaskState.WAITING
        and isinstance(getattr(sibling.task_spec, "event_definition", None), ErrorEventDefinition)
    ]
    for wanted in (code, None):
        for sibling in candidates:
            if sibling.task_spec.event_definition.code == wanted:
                return sibling
    return None


def throw_bpmn_error(task: Any, code: str, variables: dict[str, Any]) -> bool:
    """Throw error ``code`` from ``task``; False when no boundary event catches it."""
    boundary = catching_boundary(task, code)
    if boundary is None:
        return False
    definition = boundary.task_spec.event_definition
    payload = {**task.data, **variables}
    event = BpmnEvent(ErrorEventDefinition(definition.name, code), payload=payload)
    boundary.task_spec.catch(boundary, event)
    boundary.task_spec._update(boundary)
    return True
