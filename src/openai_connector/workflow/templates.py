"""Camunda 8 element templates generated from the operation registry, one per operation.

Each template makes a service task of type ``io.openai-connector:<operation id>:1`` with
groups for the connection (fields shown per provider), the operation's input (one property
per input field, see :mod:`.template_properties`), where written files go, the result
(``resultVariable``, ``resultExpression``), errors (``errorExpression``) and retries
(``retries``, ``retryBackoff``). The names the engines read are in :mod:`.template_bindings`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import constants, providers
from ..connection import API_VERSION_PATTERN
from .template_bindings import (
    DEFAULT_RETRIES,
    DEFAULT_RETRY_BACKOFF,
    FILE_OUTPUT_BASE64,
    FILE_OUTPUT_VARIABLE,
    FILE_OUTPUT_WORKSPACE,
    HEADER_ERROR_EXPRESSION,
    HEADER_RESULT_EXPRESSION,
    HEADER_RESULT_VARIABLE,
    HEADER_RETRY_BACKOFF,
    OUTPUT_PATH_FIELDS,
    TEMPLATE_VERSION,
    connection_target,
    task_type,
    template_id,
)
from .template_properties import FILES_GROUP, INPUT_GROUP, Property, input_properties

if TYPE_CHECKING:
    from ..operations.base import Operation

SCHEMA_URL = "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
PROVIDER = connection_target("provider")
URL_PATTERN = {
    "value": r"^(=|\{\{secrets\.|https?://)",
    "message": "must start with http:// or https:// (or be {{secrets.NAME}} or FEEL)",
}
SECRET_PATTERN = {
    "value": r"^\{\{secrets\.[A-Za-z0-9_.-]+\}\}$",
    "message": "use {{secrets.NAME}}: a key written into the BPMN file can be read by anyone "
    "who has the file",
}
DURATION_PATTERN = {
    "value": r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$",
    "message": "must be an ISO-8601 duration such as PT0S, PT30S or PT5M",
}


def _groups(writes_files: bool) -> list[dict[str, str]]:
    groups = [
        ("connection", "Connection"),
        (INPUT_GROUP, "Input"),
        *([(FILES_GROUP, "Files written")] if writes_files else []),
        ("output", "Output mapping"),
        ("error", "Error handling"),
        ("retries", "Retries"),
    ]
    return [{"id": key, "label": label} for key, label in groups]


def _when(*providers: str) -> dict[str, Any]:
    if len(providers) == 1:
        return {"property": PROVIDER, "equals": providers[0]}
    return {"property": PROVIDER, "oneOf": list(providers)}


def _connection(
    key: str, label: str, description: str, condition: dict[str, Any] | None = None, **more: Any
) -> Property:
    prop: Property = {"id": connection_target(key), "label": label, "description": description}
    prop["group"] = "connection"
    prop.update({"type": "String"} | more)
    prop["binding"] = {"type": "zeebe:input", "name": connection_target(key)}
    if condition is not None:
        prop["condition"] = condition
    return prop


def connection_properties() -> list[Property]:
    """Provider, where, who (a secret reference by default), timeouts and HTTP retries."""
    providers = [
        {"name": "OpenAI", "value": "openai"},
        {"name": "Azure OpenAI", "value": "azure"},
        {"name": "OpenAI-compatible server", "value": "compatible"},
    ]
    version = {
        "value": API_VERSION_PATTERN.pattern,
        "message": f"must be YYYY-MM-DD or YYYY-MM-DD-preview, e.g. {constants.AZURE_API_VERSION}",
    }
    return [
        _connection(
            "provider", "Provider", "Where the calls go", type="Dropdown", value="openai",
            choices=providers,
        ),
        _connection(
            "baseUrl", "Base URL",
            f"The server's /v1 URL (required for a compatible server; OpenAI: "
            f"{constants.OPENAI_BASE_URL} when empty)",
            _when("openai", "compatible"), constraints={"pattern": URL_PATTERN},
        ),
        _connection(
            "endpoint", "Azure endpoint",
            "https://RESOURCE.openai.azure.com (or give the resource name)",
            _when("azure"), constraints={"pattern": URL_PATTERN},
        ),
        _connection(
            "resourceName", "Azure resource name", "Used when no endpoint is given",
            _when("azure"),
        ),
        _connection(
            "apiVersion", "Azure API version", "The api-version query parameter",
            _when("azure"), value=constants.AZURE_API_VERSION,
            constraints={"notEmpty": True, "pattern": version},
        ),
        _connection(
            "apiKey", "API key",
            "A secret reference, resolved by the engine's secret store (Azure: "
            "{{secrets.AZURE_OPENAI_API_KEY}}); empty for a server that needs none",
            value="{{secrets.OPENAI_API_KEY}}", constraints={"pattern": SECRET_PATTERN},
        ),
        _connection(
            "organization", "Organization", "OpenAI organization id (optional)", _when("openai")
        ),
        _connection("project", "Project", "OpenAI project id (optional)", _when("openai")),
        _connection(
            "defaultModel", "Default model",
            "Model (Azure: deployment name) used when the input names none",
        ),
        _connection(
            "timeout", "Timeout (seconds)", "Seconds for one attempt, sending to last byte",
            type="Number", value=constants.TOTAL_TIMEOUT,
        ),
        _connection(
            "connectTimeout", "Connect timeout (seconds)", "Seconds to open a connection",
            type="Number", value=constants.CONNECT_TIMEOUT,
        ),
        _connection(
            "maxRetries", "HTTP retries",
            "Retries the connector makes itself after a rate limit or server error (before "
            "the job fails)",
            type="Number", value=constants.MAX_RETRIES,
        ),
    ]  # fmt: skip


def file_output_property() -> Property:
    return {
        "id": FILE_OUTPUT_VARIABLE,
        "label": "Files",
        "description": "base64: the files come back in the result as base64, nothing is left "
        "on the engine's disk; workspace: they are written under the engine's workspace "
        "folder, at the paths given here",
        "group": FILES_GROUP,
        "type": "Dropdown",
        "value": FILE_OUTPUT_BASE64,
        "choices": [
            {"name": "Return as base64", "value": FILE_OUTPUT_BASE64},
            {"name": "Write to the workspace", "value": FILE_OUTPUT_WORKSPACE},
        ],
        "binding": {"type": "zeebe:input", "name": FILE_OUTPUT_VARIABLE},
    }


def _header(key: str, label: str, group: str, description: str, **more: Any) -> Property:
    prop: Property = {"id": key, "label": label, "description": description, "group": group}
    return prop | more | {"binding": {"type": "zeebe:taskHeader", "key": key}}


def task_properties(operation_id: str) -> list[Property]:
    """The task type, the result and error mapping, and the job's retries."""
    return [
        {
            "id": "taskType",
            "type": "Hidden",
            "value": task_type(operation_id),
            "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        },
        _header(
            HEADER_RESULT_VARIABLE, "Result variable", "output",
            "Name of the process variable that gets the whole result {status, headers, body}",
            type="String",
        ),
        _header(
            HEADER_RESULT_EXPRESSION, "Result expression", "output",
            "FEEL over the result giving a context whose entries become process variables, "
            "e.g. ={answer: body.choices[1].message.content}",
            type="Text", feel="required",
        ),
        _header(
            HEADER_ERROR_EXPRESSION, "Error expression", "error",
            "FEEL evaluated after the call (on failure with error.code and error.message): "
            'bpmnError(code, message) throws a BPMN error, e.g. =if error.code = '
            '"rate_limited" then bpmnError("429", error.message) else null',
            type="Text", feel="required",
        ),
        {
            "id": "retries",
            "label": "Retries",
            "description": "How many times the job is tried again after a failure",
            "group": "retries",
            "type": "String",
            "value": str(DEFAULT_RETRIES),
            "constraints": {
                "notEmpty": True,
                "pattern": {"value": r"^\d+$", "message": "must be a whole number"},
            },
            "binding": {"type": "zeebe:taskDefinition", "property": "retries"},
        },
        _header(
            HEADER_RETRY_BACKOFF, "Retry backoff", "retries",
            "How long to wait before the job is tried again (ISO-8601 duration)",
            type="String", value=DEFAULT_RETRY_BACKOFF,
            constraints={"notEmpty": True, "pattern": DURATION_PATTERN},
        ),
    ]  # fmt: skip


def template(operation: Operation) -> dict[str, Any]:
    """The element template of one operation."""
    inputs = input_properties(operation.input)
    writes_files = any(p["id"] in OUTPUT_PATH_FIELDS for p in inputs)
    properties = [
        *connection_properties(),
        *([file_output_property()] if writes_files else []),
        *inputs,
        *task_properties(operation.id),
    ]
    description = operation.summary
    if providers.get("azure").unavailable(operation) is not None:
        description += " (not on Azure OpenAI)"
    return {
        "$schema": SCHEMA_URL,
        "name": f"OpenAI connector: {operation.id}",
        "id": template_id(operation.id),
        "description": description,
        "version": TEMPLATE_VERSION,
        "keywords": sorted({operation.id, *operation.keywords}),
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "groups": _groups(writes_files),
        "properties": properties,
    }


def templates(operation_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Templates by operation id: all operations, or those named (unknown ids raise)."""
    from ..operations import registry

    if not operation_ids:
        return {oid: template(op) for oid, op in registry.operations().items()}
    return {oid: template(registry.get(oid)) for oid in sorted(set(operation_ids))}


def dumps(value: dict[str, Any]) -> str:
    """A template as the file text: stable across runs, so exports can be diffed."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def export(directory: Path, operation_ids: list[str] | None = None) -> list[Path]:
    """Write ``<operation id>.json`` per template into ``directory`` (created if needed)."""
    chosen = templates(operation_ids)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for operation_id, value in chosen.items():
        path = directory / f"{operation_id}.json"
        path.write_text(dumps(value), encoding="utf-8")
        written.append(path)
    return written
