"""The contract between our element templates and the engines that run their tasks.

A task made with one of our templates (``openai-connector templates export``) is a service
task of type ``io.openai-connector:<operation id>:1``. Its ``zeebe:input`` mappings give

- one input variable per field of the operation's input model, named as the field
  (``prompt``, ``max_tokens``); a mapping left empty gives ``null``: the field is not given;
- the connection as ``connection.<key>`` targets (Zeebe builds one ``connection`` context
  from them): the keys and the :class:`~openai_connector.connection.Connection` setting each
  one sets are :data:`CONNECTION_INPUTS`;
- for operations that write files, :data:`FILE_OUTPUT_VARIABLE` (``base64`` or ``workspace``);

and its task headers :data:`HEADER_RESULT_VARIABLE`, :data:`HEADER_RESULT_EXPRESSION`,
:data:`HEADER_ERROR_EXPRESSION` and :data:`HEADER_RETRY_BACKOFF`, with the task definition's
``retries``. The template generator and the engines both import these names from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

TASK_TYPE_PREFIX: Final = "io.openai-connector"
TASK_TYPE_VERSION: Final = 1
TEMPLATE_ID_PREFIX: Final = "io.openai-connector."
TEMPLATE_VERSION: Final = 1

CONNECTION_VARIABLE: Final = "connection"
CONNECTION_INPUTS: Final[dict[str, tuple[str, ...]]] = {
    "provider": ("provider",),
    "baseUrl": ("base_url",),
    "endpoint": ("endpoint",),
    "resourceName": ("resource_name",),
    "apiVersion": ("api_version",),
    "apiKey": ("api_key",),
    "organization": ("organization",),
    "project": ("project",),
    "defaultModel": ("default_model",),
    "timeout": ("timeout", "total"),
    "connectTimeout": ("timeout", "connect"),
    "maxRetries": ("retry", "max_retries"),
}
"""``connection.<key>`` input -> the path of the Connection setting it sets."""

FILE_OUTPUT_VARIABLE: Final = "fileOutput"
FILE_OUTPUT_BASE64: Final = "base64"
FILE_OUTPUT_WORKSPACE: Final = "workspace"
FILE_OUTPUTS: Final = (FILE_OUTPUT_BASE64, FILE_OUTPUT_WORKSPACE)
OUTPUT_PATH_FIELDS: Final = frozenset({"output", "output_dir", "output_name"})
"""Fields naming where files are written: in a template, workspace-relative and only shown
when :data:`FILE_OUTPUT_VARIABLE` is ``workspace``."""
WORKSPACE_OPTION_FIELDS: Final = frozenset({"overwrite"})
"""Other fields about written files, shown only when they go to the workspace too."""

HEADER_RESULT_VARIABLE: Final = "resultVariable"
HEADER_RESULT_EXPRESSION: Final = "resultExpression"
HEADER_ERROR_EXPRESSION: Final = "errorExpression"
HEADER_RETRY_BACKOFF: Final = "retryBackoff"
DEFAULT_RETRIES: Final = 3
DEFAULT_RETRY_BACKOFF: Final = "PT0S"


def task_type(operation_id: str) -> str:
    """The job type of an operation's tasks: ``io.openai-connector:chat.create:1``."""
    return f"{TASK_TYPE_PREFIX}:{operation_id}:{TASK_TYPE_VERSION}"


def operation_of_task_type(job_type: str) -> str | None:
    """The operation id in one of our task types, else None."""
    prefix, sep, rest = job_type.partition(":")
    operation_id, sep2, version = rest.rpartition(":")
    if prefix != TASK_TYPE_PREFIX or not sep or not sep2 or version != str(TASK_TYPE_VERSION):
        return None
    return operation_id or None


def template_id(operation_id: str) -> str:
    return TEMPLATE_ID_PREFIX + operation_id


def connection_target(key: str) -> str:
    """The ``zeebe:input`` target of a connection key: ``connection.baseUrl``."""
    return f"{CONNECTION_VARIABLE}.{key}"


def connection_settings(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Connection settings from a job's variables.

    Reads the ``connection`` context Zeebe builds from the ``connection.<key>`` targets (or
    flat ``connection.<key>`` variables); unknown keys and null values are left out, so
    the caller's defaults apply.
    """
    nested = variables.get(CONNECTION_VARIABLE)
    given: dict[str, Any] = dict(nested) if isinstance(nested, Mapping) else {}
    for key in CONNECTION_INPUTS:
        flat = connection_target(key)
        if flat in variables:
            given.setdefault(key, variables[flat])
    settings: dict[str, Any] = {}
    for key, path in CONNECTION_INPUTS.items():
        value = given.get(key)
        if value is None or value == "":
            continue
        place = settings
        for part in path[:-1]:
            place = place.setdefault(part, {})
        place[path[-1]] = value
    return settings


def operation_params(fields: Iterable[str], variables: Mapping[str, Any]) -> dict[str, Any]:
    """The input of an operation from a job's variables: its fields that are not null.

    The fields about written files (:data:`OUTPUT_PATH_FIELDS`, :data:`WORKSPACE_OPTION_FIELDS`)
    are read only when :data:`FILE_OUTPUT_VARIABLE` is ``workspace``: otherwise the template
    hid them, so the Modeler left their mappings out, and a variable of that name is the
    process's, not the task's. The engine then picks its own scratch paths.
    """
    workspace = variables.get(FILE_OUTPUT_VARIABLE) == FILE_OUTPUT_WORKSPACE
    skipped = frozenset() if workspace else OUTPUT_PATH_FIELDS | WORKSPACE_OPTION_FIELDS
    return {
        name: variables[name]
        for name in fields
        if name not in skipped and variables.get(name) is not None
    }
