"""Running the connector inside BPMN processes (Camunda 8 element templates, FEEL).

``run_process``, ``resume_process`` and ``ProcessEngine`` (the embedded engine, the
``workflow`` extra) are imported on first use, so ``openai_connector.workflow.feel`` does
not load SpiffWorkflow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "run_process": "runs",
    "resume_process": "runs",
    "SavedInDatabase": "saved",
    "SavedProcessError": "saved",
    "ProcessEngine": "engine",
    "ProcessLoadError": "definition",
    "JobFailed": "job",
    "JobCall": "tasks",
    "TaskExecutor": "tasks",
    "ConnectorExecutor": "tasks",
}
__all__ = [
    "ConnectorExecutor",
    "JobCall",
    "JobFailed",
    "ProcessEngine",
    "ProcessLoadError",
    "SavedInDatabase",
    "SavedProcessError",
    "TaskExecutor",
    "resume_process",
    "run_process",
]

if TYPE_CHECKING:
    from .definition import ProcessLoadError
    from .engine import ProcessEngine
    from .job import JobFailed
    from .runs import resume_process, run_process
    from .saved import SavedInDatabase, SavedProcessError
    from .tasks import ConnectorExecutor, JobCall, TaskExecutor


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
