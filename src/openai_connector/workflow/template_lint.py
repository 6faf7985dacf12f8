"""Checks of element templates: Camunda's JSON schema, and what the schema cannot say.

:func:`lint` finds, in one template: property ids used twice, conditions naming a property
that does not exist (or a value its dropdown does not offer), the same binding twice, dropdown
defaults that are not among their choices, groups used but not declared, and, for our own
task types, input fields of the operation missing (required ones) or unknown to it.
:func:`validate` checks a template against the JSON schema (draft-07) Camunda publishes as
npm ``@camunda/zeebe-element-templates-json-schema``; it needs the ``jsonschema`` package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .template_bindings import (
    CONNECTION_VARIABLE,
    FILE_OUTPUT_VARIABLE,
    operation_of_task_type,
)

SCHEMA_FILE = "zeebe-element-templates-schema-0.46.0.json"
SHARED_VARIABLE = "OPENAI_CONNECTOR_SHARED"


def default_schema_path() -> Path:
    """``$OPENAI_CONNECTOR_SHARED/specs/<schema>``, else ``../shared/specs/`` beside the repo."""
    shared = os.environ.get(SHARED_VARIABLE)
    if shared:
        return Path(shared) / "specs" / SCHEMA_FILE
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "specs" / SCHEMA_FILE


def load_schema(path: Path | None = None) -> dict[str, Any]:
    """The element-template schema; FileNotFoundError says where it was looked for."""
    where = path or default_schema_path()
    if not where.is_file():
        raise FileNotFoundError(
            f"element-template schema not found at {where}: set {SHARED_VARIABLE} to the "
            f"folder holding specs/{SCHEMA_FILE}, or give its path (npm "
            "@camunda/zeebe-element-templates-json-schema, resources/schema.json)"
        )
    value: dict[str, Any] = json.loads(where.read_text(encoding="utf-8"))
    return value


def validate(template: Any, schema: dict[str, Any]) -> list[str]:
    """Where ``template`` (one, or a list) breaks the schema, one line per error.

    Needs the ``jsonschema`` package (ImportError without it). Each template is checked on
    its own, so an error names the property at fault rather than the whole document.
    """
    from jsonschema import Draft7Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

    one = {k: v for k, v in schema.items() if k != "oneOf"} | {"$ref": "#/definitions/template"}
    validator = Draft7Validator(one)
    problems: list[str] = []
    documents = template if isinstance(template, list) else [template]
    for index, document in enumerate(documents):
        prefix = [index] if isinstance(template, list) else []
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
            cause = best_match(error.context) if error.context else error
            where = "/".join(map(str, [*prefix, *cause.absolute_path])) or "(root)"
            message = cause.message if len(cause.message) <= 300 else cause.message[:300] + "..."
            problems.append(f"{where}: {message}")
    return problems


def _binding_key(binding: dict[str, Any]) -> tuple[str, str]:
    kind = str(binding.get("type"))
    for part in ("name", "key", "property", "source"):
        if part in binding:
            return kind, str(binding[part])
    return kind, ""


def _conditions(condition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from condition.get("allMatch", [condition])


def _choice_values(prop: dict[str, Any]) -> list[str] | None:
    if prop.get("type") != "Dropdown":
        return None
    return [str(c.get("value")) for c in prop.get("choices", [])]


def _check_conditions(properties: list[dict[str, Any]]) -> Iterator[str]:
    by_id = {p["id"]: p for p in properties if "id" in p}
    for prop in properties:
        where = prop.get("id", prop.get("label", "?"))
        for condition in _conditions(prop.get("condition") or {"allMatch": []}):
            target = condition.get("property")
            if target not in by_id:
                yield f"property {where}: its condition names {target!r}, which no property has"
                continue
            offered = _choice_values(by_id[target])
            wanted = [condition["equals"]] if "equals" in condition else condition.get("oneOf", [])
            for value in wanted:
                if offered is not None and str(value) not in offered:
                    yield (
                        f"property {where}: its condition wants {target} = {value!r}, "
                        f"which is not among that dropdown's choices {offered}"
                    )


def _check_operation(template: dict[str, Any], inputs: set[str]) -> Iterator[str]:
    job_types = [
        p.get("value")
        for p in template.get("properties", [])
        if p.get("binding", {}).get("type") == "zeebe:taskDefinition"
        and p["binding"].get("property") == "type"
    ]
    operation_id = operation_of_task_type(str(job_types[0])) if job_types else None
    if operation_id is None:
        return
    from ..errors import UnknownOperation
    from ..operations import registry

    try:
        model = registry.get(operation_id).input
    except UnknownOperation:
        yield f"task type {job_types[0]}: no operation {operation_id!r}"
        return
    for name, info in model.model_fields.items():
        if info.is_required() and name not in inputs:
            yield f"required input field {name!r} of {operation_id} has no zeebe:input"
    ours = {FILE_OUTPUT_VARIABLE}
    for name in sorted(inputs - set(model.model_fields) - ours):
        if not name.startswith(CONNECTION_VARIABLE + "."):
            yield f"zeebe:input {name!r} is not an input field of {operation_id}"


def lint(template: dict[str, Any]) -> list[str]:
    """What is wrong with one template beyond its schema (empty when nothing is)."""
    properties: list[dict[str, Any]] = template.get("properties", [])
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_bindings: set[tuple[str, str]] = set()
    groups = {g.get("id") for g in template.get("groups", [])}
    inputs: set[str] = set()
    for prop in properties:
        where = prop.get("id", prop.get("label", "?"))
        if "id" in prop:
            if prop["id"] in seen_ids:
                problems.append(f"property id {prop['id']!r} is used twice")
            seen_ids.add(prop["id"])
        binding = _binding_key(prop.get("binding", {}))
        if binding in seen_bindings:
            problems.append(f"property {where}: binding {binding[0]} {binding[1]!r} is used twice")
        seen_bindings.add(binding)
        if binding[0] == "zeebe:input":
            inputs.add(binding[1])
        offered = _choice_values(prop)
        if offered is not None and "value" in prop and str(prop["value"]) not in offered:
            problems.append(
                f"property {where}: default {prop['value']!r} is not among its choices {offered}"
            )
        if "group" in prop and prop["group"] not in groups:
            problems.append(f"property {where}: group {prop['group']!r} is not declared")
    problems += _check_conditions(properties)
    problems += _check_operation(template, inputs)
    return problems
