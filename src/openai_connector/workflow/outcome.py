"""What a run of a process instance comes to: its state, its variables, its incidents.

Read from SpiffWorkflow's task tree: a finished workflow is ``completed``; otherwise a ready
task holding an incident (kept in its internal data) makes it ``incident``, else it is
``waiting`` (a timer, or a retry backoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.util.task import TaskState

from ..secrets import Redactor


@dataclass
class RunOutcome:
    state: str
    variables: dict[str, Any]
    incidents: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "variables": self.variables, "incidents": self.incidents}

    def redacted(self, redactor: Redactor) -> RunOutcome:
        """A copy with every secret the engine resolved shown as ***."""
        return RunOutcome(self.state, redactor.deep(self.variables), redactor.deep(self.incidents))


def instance_state(workflow: Any) -> str:
    if workflow.is_completed():
        return "completed"
    return "incident" if incidents_of(workflow) else "waiting"


def variables_of(workflow: Any) -> dict[str, Any]:
    if workflow.is_completed():
        return dict(workflow.data) or dict(workflow.last_task.data if workflow.last_task else {})
    merged: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        merged.update(task.data)
    return merged


def incidents_of(workflow: Any) -> list[dict[str, Any]]:
    return [
        task._get_internal_data("incident")
        for task in workflow.get_tasks(state=TaskState.READY)
        if task._get_internal_data("incident")
    ]
