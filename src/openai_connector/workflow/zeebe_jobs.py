"""What a Zeebe worker does with one job, apart from talking to the gateway.

On Camunda 8 the broker evaluates the task's input and output mappings; the worker receives a
job (type, custom headers, variables after the inputs, retries left) and answers it with one
:class:`~.job.Outcome`, from the same :class:`~.job.JobSemantics` the embedded engine uses:

- the call: ``io.openai-connector:<operation-id>:1`` runs that operation, and
  ``io.camunda:http-json:1`` (when served) runs an OpenAI or Azure OpenAI URL through the
  connector, under the same host rules (host map, allowed hosts) as the engine;
- ``resultVariable``/``resultExpression`` -> complete with variables; ``errorExpression``
  -> ``bpmnError`` (throw with code, message, variables) or ``jobError`` (fail with its
  retries and timeout); a failure left alone fails with one retry fewer after
  ``retryBackoff``; 0 retries left makes Zeebe raise an incident.

Secrets: custom headers are written in the BPMN file, so their ``{{secrets.NAME}}`` are
resolved; in variables only the references the deployed BPMN writes in that field are
(:mod:`.deployed_secrets`). Every outcome is redacted (a resolved secret shows as ***).
Calls run on the async connector, through an :class:`AsyncTaskExecutor`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from ..connection import Connection
from ..errors import ConnectorError
from ..result import Result
from ..secrets import Redactor, SecretStore
from .definition import ExpressionCache, JobSpec
from .deployed_secrets import DeployedFields, resolve_field_secrets
from .hosts import HostPolicy
from .http_json import HTTP_JSON_TYPE, build_request
from .io_mapping import resolve_template_secrets
from .job import JobSemantics, Outcome, failure_context
from .tasks import OWN_TYPE_PREFIX, OWN_TYPE_SUFFIX, own_operation_request

Clock = Callable[[], dt.datetime]
CACHED_CONNECTIONS = 256
CACHED_SPECS = 1024


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def answer_json(variables: Mapping[str, Any]) -> str:
    """The variables of an answer as JSON text (orjson; the standard library for what orjson
    refuses, such as integers beyond 64 bits)."""
    try:
        return orjson.dumps(variables, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(variables, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class ZeebeJob:
    """The parts of an activated job the worker uses."""

    key: int
    type: str
    process_id: str
    element: str
    retries: int
    headers: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    headers_text: str | None = None
    """The custom headers as the gateway sent them (JSON), when known: jobs of one task
    share their headers, read once (see :meth:`JobRunner.spec`)."""


class AsyncTaskExecutor(Protocol):
    """Runs one connector operation for a job (the async twin of TaskExecutor)."""

    async def run(
        self, connection: Connection, operation: str, params: dict[str, Any], *, element: str
    ) -> Result: ...


class AsyncConnectorExecutor:
    """The default executor: a cached :class:`~openai_connector.AsyncConnector` per
    connection, so jobs on one connection share its pool."""

    def __init__(self, *, secrets: SecretStore | None = None) -> None:
        from ..connector import AsyncConnector  # imported now, not on the first job

        self.secrets = secrets or SecretStore()
        self._connector_type = AsyncConnector
        self._connectors: dict[str, Any] = {}
        self._by_identity: dict[int, tuple[Connection, Any]] = {}
        """The connector of a Connection object seen before (the runner reuses them): no
        dump of the connection per job."""

    def _connector(self, connection: Connection) -> Any:
        seen = self._by_identity.get(id(connection))
        if seen is not None and seen[0] is connection:
            return seen[1]
        key = json.dumps(connection.model_dump(mode="json"), sort_keys=True)
        connector = self._connectors.get(key)
        if connector is None:
            connector = self._connectors[key] = self._connector_type(
                connection, secrets=self.secrets
            )
        if len(self._by_identity) >= CACHED_CONNECTIONS:
            self._by_identity.clear()
        self._by_identity[id(connection)] = (connection, connector)
        return connector

    async def run(
        self, connection: Connection, operation: str, params: dict[str, Any], *, element: str
    ) -> Result:
        result: Result = await self._connector(connection).run(operation, params)
        return result

    async def aclose(self) -> None:
        for connector in self._connectors.values():
            await connector.aclose()
        self._connectors.clear()
        self._by_identity.clear()


def served_types(operations: Iterable[str] | None = None, *, http_json: bool = False) -> list[str]:
    """The task types a worker subscribes to: ours for ``operations`` (default: all)."""
    from ..operations.registry import get
    from ..operations.registry import operations as registry

    ids = list(registry()) if operations is None else [get(o).id for o in operations]
    types = [f"{OWN_TYPE_PREFIX}{operation}{OWN_TYPE_SUFFIX}" for operation in ids]
    return [*types, HTTP_JSON_TYPE] if http_json else types


class JobRunner:
    """Turns one Zeebe job into an Outcome: the call, then Camunda's job semantics."""

    def __init__(
        self,
        *,
        executor: AsyncTaskExecutor | None = None,
        secrets: SecretStore | None = None,
        host_map: Mapping[str, str] | None = None,
        allowed_hosts: frozenset[str] | set[str] = frozenset(),
        deployed: DeployedFields | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.secrets = secrets or SecretStore()
        self.redactor = Redactor()
        self.deployed = deployed or DeployedFields()
        self.policy = HostPolicy(
            {k.lower(): v for k, v in (host_map or {}).items()},
            frozenset(h.lower() for h in allowed_hosts),
        )
        self._own_executor = executor is None
        self.executor: AsyncTaskExecutor = executor or AsyncConnectorExecutor(secrets=self.secrets)
        self.semantics = JobSemantics(ExpressionCache(), clock)
        self._connections: dict[Any, Connection] = {}
        self._specs: dict[tuple[str, str, int, str | None], JobSpec] = {}

    def _connect(self, settings: dict[str, Any]) -> Connection:
        """Connection.from_settings, cached: jobs of one task share a few connections."""
        key: Any
        if all(type(value) is str for value in settings.values()):
            key = frozenset(settings.items())  # an http-json task's: a cheap key
        else:
            key = json.dumps(settings, sort_keys=True, default=str)
        connection = self._connections.get(key)
        if connection is None:
            connection = Connection.from_settings(settings)
            if len(self._connections) >= CACHED_CONNECTIONS:
                self._connections.clear()
            self._connections[key] = connection
        return connection

    async def aclose(self) -> None:
        if self._own_executor and isinstance(self.executor, AsyncConnectorExecutor):
            await self.executor.aclose()

    def _request(
        self, spec: JobSpec, variables: Mapping[str, Any]
    ) -> tuple[Connection, str, dict[str, Any]]:
        if spec.type == HTTP_JSON_TYPE:
            connection, params = build_request(variables, self.policy, spec.element, self._connect)
            return connection, "raw.request", params
        return own_operation_request(spec, variables, self.policy, self._connect)

    async def run(self, job: ZeebeJob) -> Outcome:
        """The job's outcome, redacted. Never raises: a broken expression is an incident."""
        return (await self.run_answer(job))[0]

    def spec(self, job: ZeebeJob) -> JobSpec:
        """The job's spec, its headers as written; one per task (type, element, retries,
        header text) is kept and shared by its jobs."""
        text = job.headers_text
        key = (job.type, job.element, job.retries, text)
        known = self._specs.get(key) if text is not None else None
        if known is not None:
            return known
        headers = {k: str(v) for k, v in job.headers.items()}
        spec = JobSpec(element=job.element, type=job.type, retries=job.retries, headers=headers)
        if text is not None:
            if len(self._specs) >= CACHED_SPECS:
                self._specs.clear()
            self._specs[key] = spec
        return spec

    async def run_answer(self, job: ZeebeJob) -> tuple[Outcome, str | None]:
        """The job's outcome, redacted, and its variables as JSON when that was already
        written (the answer then sends it as it is), else None."""
        spec = self.spec(job)
        variables = dict(job.variables)
        try:
            if any("{{" in value for value in spec.headers.values()):
                # secrets of the headers: resolved on every job (a secret may change)
                resolved = {
                    k: resolve_template_secrets(v, self.secrets, self.redactor)
                    for k, v in spec.headers.items()
                }
                spec = JobSpec(
                    element=job.element, type=job.type, retries=job.retries, headers=resolved
                )
            call_variables = resolve_field_secrets(
                variables,
                self.deployed.of(job.process_id, job.element),
                self.secrets,
                self.redactor,
            )
            connection, operation, params = self._request(spec, call_variables)
            result = await self.executor.run(connection, operation, params, element=job.element)
        except Exception as exc:  # a failed job, whatever the call raised
            error = failure_context(exc)
            error["message"] = self.redactor(str(error["message"]))
            outcome = self._semantics(
                lambda: self.semantics.after_failure(spec, variables, error, job.retries)
            )
        else:
            response = result.envelope()
            outcome = self._semantics(
                lambda: self.semantics.after_success(spec, variables, response)
            )
        return self._redacted(outcome)

    def _semantics(self, decide: Callable[[], Outcome]) -> Outcome:
        try:
            return decide()
        except ConnectorError as exc:  # a result/error expression failed: an incident
            return Outcome("fail", code=exc.code, message=exc.message, retries=0)
        except ValueError as exc:  # retryBackoff or jobError timeout not a duration
            return Outcome("fail", code="invalid_header", message=str(exc), retries=0)

    def _redacted(self, outcome: Outcome) -> tuple[Outcome, str | None]:
        variables = outcome.variables
        text = None
        if self.redactor and variables:
            text = answer_json(variables)
            if self.redactor.in_text(text):  # one scan of the JSON text first: most answers
                variables = self.redactor.deep(variables)  # hold no secret
                text = None
        return Outcome(
            outcome.kind,
            variables,
            code=outcome.code,
            message=self.redactor(outcome.message or ""),
            retries=max(0, outcome.retries),
            backoff=outcome.backoff,
        ), text
