"""The embedded engine: run a Camunda 8 process on SpiffWorkflow, on one machine.

SpiffWorkflow moves the tokens (gateways, parallel joins, boundary events, timers); the engine
runs each job task itself, outside SpiffWorkflow's run hook: it evaluates the input mappings,
calls the task's handler, applies Camunda's result/error/retry semantics (:mod:`.job`), then
completes the task, throws its BPMN error to the boundary event that catches the code, waits
for the retry backoff, or records an incident. Time comes from an injected clock and sleep, so
timers and backoffs cost tests nothing; when nothing is ready the engine sleeps until the next
timer or retry is due (or stops "waiting" when ``max_wait`` would be exceeded).

A run's outcome is ``{"state": "completed" | "incident" | "waiting", "variables", "incidents"}``.
A process instance can be saved to JSON (the BPMN text and SpiffWorkflow's serialisation; in
a file or the service's database, :mod:`.saved`) and resumed later, after variables are set
and incidents resolved (``set_variables``, ``retry_incidents``); the script engine (clock,
handlers) is attached again on resume.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ..errors import ConfigError, ConnectorError
from ..observers import Observer
from ..secrets import Redactor, SecretStore
from .bpmn_parser import LoadedProcess, load_process
from .definition import SCRIPT_TASK_TYPE, ExpressionCache, JobSpec, ProcessLoadError
from .hosts import HostPolicy
from .http_json import HTTP_JSON_TYPE, http_json_handler
from .io_mapping import evaluate_inputs
from .job import JobSemantics, Outcome, failure_context
from .outcome import RunOutcome, incidents_of, instance_state, variables_of
from .saved import (
    ProcessAlreadyCompleted,
    SavedProcessError,
    check_same_process,
    check_source,
    make_save,
    read_save,
)
from .serializer import dump_workflow, load_workflow
from .tasks import (
    ConnectorExecutor,
    Handler,
    JobCall,
    TaskExecutor,
    check_own_type,
    own_operation,
    own_operation_handler,
)
from .throwing import throw_bpmn_error
from .timers import timer_due

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class FeelScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's expression hook, answering in FEEL; also the timers' clock."""

    def __init__(self, cache: ExpressionCache, clock: Clock) -> None:
        super().__init__()
        self.cache = cache
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock()

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        return self.cache.expression(expression.strip()).evaluate(task.data, clock=self.clock)

    def timer_value(self, task: Any, text: str) -> Any:
        return self.cache.mapping(text.strip()).evaluate(task.data, clock=self.clock)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise ProcessLoadError(f"element {task.task_spec.bpmn_id!r}: Python scripts do not run")


@dataclass
class ProcessInstance:
    """A running (or finished) process: its BPMN and SpiffWorkflow's state."""

    loaded: LoadedProcess
    workflow: Any


class ProcessEngine:
    """Runs Camunda 8 processes; one engine serves many instances."""

    def __init__(
        self,
        *,
        executor: TaskExecutor | None = None,
        handlers: Mapping[str, Handler] | None = None,
        secrets: SecretStore | None = None,
        host_map: Mapping[str, str] | None = None,
        allowed_hosts: frozenset[str] | set[str] = frozenset(),
        clock: Clock = utc_now,
        sleep: Callable[[float], Any] = time.sleep,
        max_wait: float | None = None,
        observers: Sequence[Observer] = (),
        workspace: str | Path | None = None,
    ) -> None:
        if workspace is not None and not Path(workspace).is_dir():
            raise ConfigError(f"workspace {str(workspace)!r} is not an existing folder")
        self.secrets = secrets or SecretStore()
        self.redactor = Redactor()
        self.clock = clock
        self.sleep = sleep
        self.max_wait = max_wait
        self.cache = ExpressionCache()
        self.semantics = JobSemantics(self.cache, clock)
        self._own_executor = executor is None
        self.executor: TaskExecutor = executor or ConnectorExecutor(
            secrets=self.secrets, sleep=sleep, observers=observers, workspace=workspace
        )
        policy = HostPolicy(
            {k.lower(): v for k, v in (host_map or {}).items()},
            frozenset(h.lower() for h in allowed_hosts),
        )
        self.own_handler = own_operation_handler(policy, workspace=workspace is not None)
        self.handlers: dict[str, Handler] = {HTTP_JSON_TYPE: http_json_handler(policy)}
        self.handlers.update(handlers or {})
        self.script_engine = FeelScriptEngine(self.cache, clock)

    def close(self) -> None:
        if self._own_executor and isinstance(self.executor, ConnectorExecutor):
            self.executor.close()

    # ---------------------------------------------------------------- loading

    def load(self, source: str | Path) -> LoadedProcess:
        text = _read_source(source)
        loaded = load_process(text, cache=self.cache)
        for job in loaded.jobs.values():
            self._check_handler(job)
        return loaded

    def _check_handler(self, job: JobSpec) -> None:
        if job.type == SCRIPT_TASK_TYPE or job.type in self.handlers:
            return
        if own_operation(job.type) is not None:
            try:
                check_own_type(job.type, job.element)
            except ConnectorError as exc:
                raise ProcessLoadError(exc.message, element=job.element, hint=exc.hint) from None
            return
        raise ProcessLoadError(
            f"element {job.element!r}: no handler for task type {job.type!r}",
            element=job.element,
            hint=f"supported: {HTTP_JSON_TYPE}, io.openai-connector:<operation-id>:1, "
            "zeebe:script, and handlers given to the engine",
        )

    def start(self, loaded: LoadedProcess, variables: Mapping[str, Any] | None = None) -> Any:
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, self.script_engine)
        start = workflow.task_tree
        start.data.update(dict(variables or {}))
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(dict(variables or {}))
        return ProcessInstance(loaded, workflow)

    # ---------------------------------------------------------------- running

    def run(self, instance: ProcessInstance) -> RunOutcome:
        """Advance ``instance`` as far as it goes; sleep for due timers and retries.

        The outcome is redacted: a template secret that reached a variable shows as ***.
        """
        return self._advance(instance).redacted(self.redactor)

    def _advance(self, instance: ProcessInstance) -> RunOutcome:
        workflow = instance.workflow
        workflow.script_engine = self.script_engine
        waited = 0.0
        while True:
            workflow.do_engine_steps()
            progressed = False
            for task in workflow.get_tasks(state=TaskState.READY):
                if not task.task_spec.manual:
                    progressed = True  # a timer fired during the last refresh
                elif self._ready_to_try(task):
                    self._run_job(instance, task)
                    progressed = True
            if progressed:
                continue
            if workflow.is_completed():
                return RunOutcome("completed", variables_of(workflow), [])
            incidents = incidents_of(workflow)
            if incidents:
                return RunOutcome("incident", variables_of(workflow), incidents)
            due = self._next_due(workflow)
            if due is None:
                return RunOutcome("waiting", variables_of(workflow), [])
            pause = max(0.0, (due - self.clock()).total_seconds())
            if self.max_wait is not None and waited + pause > self.max_wait:
                return RunOutcome("waiting", variables_of(workflow), [])
            if pause > 0:
                self.sleep(pause)
                waited += pause
            workflow.refresh_timers()

    def _ready_to_try(self, task: Any) -> bool:
        if task._get_internal_data("incident"):
            return False
        retry_at = task._get_internal_data("retry_at")
        return retry_at is None or dt.datetime.fromisoformat(retry_at) <= self.clock()

    def _next_due(self, workflow: Any) -> dt.datetime | None:
        dues: list[dt.datetime] = []
        for task in workflow.get_tasks(state=TaskState.WAITING):
            due = timer_due(task)
            if due is not None:
                dues.append(due)
        for task in workflow.get_tasks(state=TaskState.READY):
            retry_at = task._get_internal_data("retry_at")
            if task.task_spec.manual and retry_at and not task._get_internal_data("incident"):
                dues.append(dt.datetime.fromisoformat(retry_at))
        return min(dues) if dues else None

    def _run_job(self, instance: ProcessInstance, task: Any) -> None:
        job = JobSpec.from_dict(task.task_spec.extensions["job"])
        retries = task._get_internal_data("retries")
        retries = job.retries if retries is None else retries
        variables = dict(task.data)
        try:
            local = evaluate_inputs(
                job.input_mappings,
                variables,
                self.cache,
                store=self.secrets,
                redactor=self.redactor,
                clock=self.clock,
            )
        except ConnectorError as exc:
            self._incident(task, job, exc.code, exc.message)
            return
        scope = {**variables, **local}
        if job.type == SCRIPT_TASK_TYPE:
            outcome = self._run_script(task, job, scope)
            if outcome is None:
                return
        else:
            outcome = self._call(job, variables, local, retries)
        self._apply(task, job, outcome)

    def _run_script(self, task: Any, job: JobSpec, scope: dict[str, Any]) -> Outcome | None:
        try:
            value = self.cache.expression(job.headers["script"]).evaluate(scope, clock=self.clock)
        except ConnectorError as exc:
            self._incident(task, job, exc.code, exc.message)
            return None
        name = job.headers.get("resultVariable")
        result = {name: value} if name else {}
        if job.output_mappings:
            from .io_mapping import evaluate_outputs

            result = evaluate_outputs(
                job.output_mappings, {**scope, **result}, self.cache, self.clock
            )
        return Outcome("complete", result)

    def _call(
        self, job: JobSpec, variables: dict[str, Any], local: dict[str, Any], retries: int
    ) -> Outcome:
        # the handler sees the inputs (which may hold resolved template secrets); result and
        # error expressions see the process variables and the response or error only
        handler = self.handlers.get(job.type) or self.own_handler
        call = JobCall(job, {**variables, **local}, self.executor)
        try:
            response = handler(call)
        except Exception as exc:  # a failed job, whatever the handler raised
            error = failure_context(exc)
            error["message"] = self.redactor(str(error["message"]))
            return self.semantics.after_failure(job, variables, error, retries)
        return self.semantics.after_success(job, variables, response, local)

    def _apply(self, task: Any, job: JobSpec, outcome: Outcome) -> None:
        if outcome.kind == "complete":
            task.data.update(outcome.variables)
            task._set_internal_data(retries=None, retry_at=None)
            task.run()
        elif outcome.kind == "bpmn_error":
            if not throw_bpmn_error(task, outcome.code or "", outcome.variables):
                self._incident(
                    task,
                    job,
                    "unhandled_bpmn_error",
                    f"BPMN error {outcome.code!r} ({outcome.message}) is not caught by a "
                    "boundary event",
                )
        elif outcome.retries <= 0:
            self._incident(task, job, outcome.code or "job_failed", outcome.message or "")
        else:
            due = self.clock() + dt.timedelta(seconds=outcome.backoff)
            task._set_internal_data(retries=outcome.retries, retry_at=due.isoformat())

    def _incident(self, task: Any, job: JobSpec, code: str, message: str) -> None:
        task._set_internal_data(
            incident={
                "element": job.element,
                "type": job.type,
                "code": code,
                "message": self.redactor(message),
            }
        )

    # ---------------------------------------------------------------- saving

    def save(self, instance: ProcessInstance) -> str:
        """The instance as JSON text (its BPMN, its state, SpiffWorkflow's serialisation)."""
        return make_save(
            instance.loaded.bpmn,
            instance.loaded.process_id,
            instance_state(instance.workflow),
            dump_workflow(instance.workflow),
        )

    def resume(
        self,
        saved: str,
        *,
        name: str = "the save",
        source: str | Path | None = None,
        completed_ok: bool = False,
    ) -> ProcessInstance:
        """The instance saved in ``saved`` (named ``name`` in errors), ready to run again.

        With ``source``, the save must be an instance of that BPMN. A completed instance is
        refused (:class:`ProcessAlreadyCompleted`) unless ``completed_ok``.
        """
        data = read_save(saved, name)
        if source is not None:
            check_source(name, data, _read_source(source), str(source)[:200])
        try:
            loaded = load_process(data["bpmn"], process_id=data["process_id"], cache=self.cache)
        except ProcessLoadError as exc:
            raise SavedProcessError(f"{name} is corrupt: {exc.message}") from None
        for job in loaded.jobs.values():
            self._check_handler(job)
        try:
            workflow = load_workflow(data["workflow"])
        except Exception as exc:  # whatever SpiffWorkflow's converters raise on bad input
            raise SavedProcessError(
                f"{name} is corrupt: its workflow state does not load ({type(exc).__name__})"
            ) from None
        check_same_process(name, data, workflow, loaded)
        if workflow.is_completed() and not completed_ok:
            raise ProcessAlreadyCompleted(
                f"{name} is a completed process instance: there is nothing to resume",
                hint="start the process again with: process run FILE.bpmn",
            )
        workflow.script_engine = self.script_engine
        return ProcessInstance(loaded, workflow)

    def set_variables(self, instance: ProcessInstance, variables: Mapping[str, Any]) -> None:
        """Set (or replace) process variables on every token still waiting or ready."""
        if variables:
            for task in instance.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
                task.data.update(variables)

    def retry_incidents(self, instance: ProcessInstance, retries: int = 1) -> int:
        """Resolve every incident: its task is tried again with ``retries`` attempts (as
        Camunda Operate's "retry" does); returns how many were resolved."""
        resolved = 0
        for task in instance.workflow.get_tasks(state=TaskState.READY):
            if task._get_internal_data("incident"):
                task._set_internal_data(incident=None, retries=retries, retry_at=None)
                resolved += 1
        return resolved


def _read_source(source: str | Path) -> str:
    if isinstance(source, Path) or not source.lstrip().startswith("<"):
        path = Path(source)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProcessLoadError(f"cannot read {path}: {exc.strerror or exc}") from None
    return source
