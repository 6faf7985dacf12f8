"""The one seam between process tasks and the connector, and our own task type.

Every call a process makes goes through a :class:`TaskExecutor`: a connection, an operation
id and its params in, a :class:`~openai_connector.result.Result` out. The default
:class:`ConnectorExecutor` runs ``Connector(connection).run(operation, params)`` (one connector
per distinct connection, reused); a trust policy or observers wrap or replace it in one place.

Before anything reaches it, values that came from process variables are checked: no
``{{secrets.NAME}}`` reference (see :mod:`.io_mapping`) and no host file path (files travel as
``data:`` URLs; fields that write files are refused).

Our own task type is ``io.openai-connector:<operation-id>:1`` (for example
``io.openai-connector:chat.summarize:1``). The job's variables after input mappings are the
operation's params (fields of its input model; other variables are ignored) and
``connection``, a context of :class:`~openai_connector.connection.Connection` fields
(``provider``, ``base_url``, ``api_key``, ...). The job's ``response`` is the envelope
``{status, headers, body}``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..connection import Connection
from ..errors import ConfigError, InvalidInput, UnknownOperation
from ..observers import Observer
from ..policy import SecretSource
from ..result import Result
from ..secrets import SecretStore
from .definition import JobSpec
from .hosts import HostPolicy
from .io_mapping import refuse_secret_references

OWN_TYPE_PREFIX = "io.openai-connector:"
OWN_TYPE_SUFFIX = ":1"
FILE_WRITING = ("output", "dir", "path")
"""Local fields whose names hold these words name host files: refused from processes."""


class TaskExecutor(Protocol):
    """Runs one connector operation for a process task."""

    def run(
        self, connection: Connection, operation: str, params: dict[str, Any], *, element: str
    ) -> Result: ...


class ConnectorExecutor:
    """The default executor: a cached :class:`~openai_connector.Connector` per connection."""

    def __init__(
        self,
        *,
        secrets: SecretSource | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        transport: Any = None,
        observers: Sequence[Observer] = (),
        workspace: str | Path | None = None,
    ) -> None:
        self.secrets: SecretSource = secrets or SecretStore()
        self.sleep = sleep
        self.transport = transport
        self.observers = tuple(observers)
        self.workspace = workspace
        self._connectors: dict[str, Any] = {}

    def run(
        self, connection: Connection, operation: str, params: dict[str, Any], *, element: str
    ) -> Result:
        from ..connector import Connector

        key = json.dumps(connection.model_dump(mode="json"), sort_keys=True)
        connector = self._connectors.get(key)
        if connector is None:
            from ..policy import TrustPolicy

            options: dict[str, Any] = {
                "policy": TrustPolicy.strict(secrets=self.secrets, workspace=self.workspace),
                "sleep": self.sleep,
            }
            if self.transport is not None:
                options["transport"] = self.transport
            if self.observers:
                options["observers"] = self.observers
            connector = self._connectors[key] = Connector(connection, **options)
        return connector.run(operation, params)

    def close(self) -> None:
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()


@dataclass(frozen=True, slots=True)
class JobCall:
    """What a task handler gets: the job's definition and its variables (after inputs)."""

    job: JobSpec
    variables: Mapping[str, Any]
    executor: TaskExecutor


Handler = Callable[[JobCall], Any]
"""Returns the job's ``response``; raises (a ConnectorError, or anything) to fail the job."""


def own_operation(task_type: str) -> str | None:
    """The operation id of ``io.openai-connector:<id>:1``, else None."""
    if task_type.startswith(OWN_TYPE_PREFIX) and task_type.endswith(OWN_TYPE_SUFFIX):
        return task_type[len(OWN_TYPE_PREFIX) : -len(OWN_TYPE_SUFFIX)]
    return None


def check_own_type(task_type: str, element: str) -> None:
    """Fail the load for ``io.openai-connector:`` types naming no operation."""
    from ..operations.registry import operations

    operation = own_operation(task_type)
    if operation is not None and operation in operations():
        return
    raise ConfigError(
        f"element {element!r}: task type {task_type!r} names no operation",
        hint="use io.openai-connector:<operation-id>:1, e.g. io.openai-connector:chat.create:1",
    )


def _file_fields(model: Any) -> tuple[set[str], set[str]]:
    from ..operations.base import local_fields

    uploads = {name for name, info in model.model_fields.items() if "bytes" in str(info.annotation)}
    writing = {name for name in local_fields(model) if any(w in name for w in FILE_WRITING)}
    return uploads, writing


def _refuse_paths(
    operation: str, params: dict[str, Any], model: Any, element: str, *, workspace: bool = False
) -> None:
    uploads, writing = _file_fields(model)
    for name in sorted(writing & params.keys()):
        if workspace:
            break  # the connector's workspace policy confines the paths
        raise InvalidInput(
            f"element {element!r}: {operation}: {name} names a host file or folder; a process "
            "writes files only into the engine's workspace (--workspace DIR, workspace=...) "
            'when its task chooses "Write to the workspace" (fileOutput)',
            field=name,
        )
    for name in sorted(uploads & params.keys()):
        values = params[name] if isinstance(params[name], list) else [params[name]]
        for value in values:
            if not (isinstance(value, str) and value.startswith("data:")):
                raise InvalidInput(
                    f"element {element!r}: {operation}: {name} must be a data: URL "
                    "(data:<type>;base64,<content>); file paths are not read from processes",
                    field=name,
                )


def _jsonl_data_url(records: list[Any]) -> str:
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    return "data:application/jsonl;base64," + base64.b64encode(lines.encode()).decode()


def _files_from_records(params: dict[str, Any], model: Any) -> None:
    """A file field given a list of JSON records becomes a JSON Lines file (data: URL)."""
    uploads, _ = _file_fields(model)
    for name in uploads & params.keys():
        value = params[name]
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            params[name] = _jsonl_data_url(value)


def connection_from(
    settings: Any,
    policy: HostPolicy,
    element: str,
    connect: Callable[[dict[str, Any]], Connection] = Connection.from_settings,
) -> Connection:
    """A Connection from the job's ``connection`` context, routed by the host policy."""
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise ConfigError(f"element {element!r}: connection must be a context of settings")
    refuse_secret_references(settings, element)
    return connect(policy.route(_connection_keys(settings), element))


def _connection_keys(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Connection settings by their Connection names: the keys our element templates bind
    (``connection.apiKey``, ``connection.timeout`` in seconds, ...) become the settings they
    stand for (``api_key``, ``timeout.total``); Connection's own names pass as they are.
    Null and empty values are left out (the template's unset fields)."""
    from .template_bindings import CONNECTION_INPUTS

    given: dict[str, Any] = {}
    for key, value in settings.items():
        if value is None or value == "":
            continue
        path = CONNECTION_INPUTS.get(key)
        if path is None or (key == "timeout" and isinstance(value, Mapping)):
            given[key] = value
            continue
        place = given
        for part in path[:-1]:
            inner = place.get(part)
            place = place[part] = dict(inner) if isinstance(inner, Mapping) else {}
        place[path[-1]] = value
    return given


def own_operation_request(
    job: JobSpec,
    variables: Mapping[str, Any],
    policy: HostPolicy,
    connect: Callable[[dict[str, Any]], Connection] = Connection.from_settings,
    *,
    workspace: bool = False,
) -> tuple[Connection, str, dict[str, Any]]:
    """(connection, operation id, params) of an ``io.openai-connector:<id>:1`` job, checked.

    Paths files are written to are taken only when the task says ``fileOutput`` =
    ``workspace`` (our templates' choice), and refused unless the engine has a workspace.
    """
    from ..operations.registry import get
    from .template_bindings import operation_params

    element = job.element
    operation_id = own_operation(job.type)
    if operation_id is None:
        raise UnknownOperation(f"element {element!r}: task type {job.type!r}")
    operation = get(operation_id)
    fields = operation.input.model_fields
    params = operation_params(fields, variables)
    # an output path the task maps itself without choosing the workspace is refused, not
    # dropped (a process variable of that name is the process's own: dropped)
    mapped = {m.target.partition(".")[0] for m in job.input_mappings}
    for name in sorted(mapped & fields.keys() - params.keys()):
        if variables.get(name) is not None:
            params[name] = variables[name]
    refuse_secret_references(params, element)
    _files_from_records(params, operation.input)
    _refuse_paths(operation_id, params, operation.input, element, workspace=workspace)
    connection = connection_from(variables.get("connection"), policy, element, connect)
    return connection, operation_id, params


def own_operation_handler(policy: HostPolicy, *, workspace: bool = False) -> Handler:
    """The handler for ``io.openai-connector:<operation-id>:1`` under ``policy``."""

    def run(call: JobCall) -> Any:
        connection, operation_id, params = own_operation_request(
            call.job, call.variables, policy, workspace=workspace
        )
        return call.executor.run(
            connection, operation_id, params, element=call.job.element
        ).envelope()

    return run
