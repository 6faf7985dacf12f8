"""Element templates generated from the registry: every operation, valid against Camunda's
schema (draft-07) and our own lint, with fields that mirror the input models."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

import pytest
from pydantic import TypeAdapter

from media_samples import png, wav
from openai_connector import catalogue, constants
from openai_connector.connection import Connection
from openai_connector.operations import registry
from openai_connector.workflow import template_bindings as bindings
from openai_connector.workflow.template_lint import lint, load_schema, validate
from openai_connector.workflow.templates import template, templates

OPERATION_IDS = list(registry.operations())


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """Camunda's schema from the shared specs: CI guarantees it, so missing is a failure."""
    try:
        return load_schema()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def all_templates() -> dict[str, dict[str, Any]]:
    return templates()


def prop(value: dict[str, Any], prop_id: str) -> dict[str, Any]:
    return next(p for p in value["properties"] if p.get("id") == prop_id)


def test_every_operation_has_one_template(all_templates: dict[str, dict[str, Any]]) -> None:
    assert list(all_templates) == OPERATION_IDS
    for operation_id, value in all_templates.items():
        assert value["id"] == f"io.openai-connector.{operation_id}"
        assert prop(value, "taskType")["value"] == f"io.openai-connector:{operation_id}:1"
        assert value["elementType"] == {"value": "bpmn:ServiceTask"}


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_template_validates_against_camunda_schema(
    operation_id: str, all_templates: dict[str, dict[str, Any]], schema: dict[str, Any]
) -> None:
    assert validate(all_templates[operation_id], schema) == []


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_template_passes_our_lint(
    operation_id: str, all_templates: dict[str, dict[str, Any]]
) -> None:
    assert lint(all_templates[operation_id]) == []


def test_schema_check_is_not_vacuous(schema: dict[str, Any]) -> None:
    broken = template(registry.get("chat.create"))
    del prop(broken, "prompt")["binding"]
    prop(broken, "n")["feel"] = "sometimes"
    problems = validate(broken, schema)
    assert problems
    assert any("binding" in p for p in problems)


# --- what the Modeler shows ------------------------------------------------------------


def test_connection_fields_are_shown_per_provider() -> None:
    value = template(registry.get("chat.create"))
    provider = prop(value, "connection.provider")
    assert provider["type"] == "Dropdown"
    assert [c["value"] for c in provider["choices"]] == ["openai", "azure", "compatible"]
    assert prop(value, "connection.endpoint")["condition"] == {
        "property": "connection.provider",
        "equals": "azure",
    }
    assert prop(value, "connection.apiVersion")["value"] == constants.AZURE_API_VERSION
    assert prop(value, "connection.baseUrl")["condition"]["oneOf"] == ["openai", "compatible"]
    assert prop(value, "connection.organization")["condition"]["equals"] == "openai"
    assert "condition" not in prop(value, "connection.apiKey")


def test_api_key_is_a_secret_reference_by_default() -> None:
    key = prop(template(registry.get("models.list")), "connection.apiKey")
    assert key["value"] == "{{secrets.OPENAI_API_KEY}}"
    pattern = re.compile(key["constraints"]["pattern"]["value"])
    assert pattern.search("{{secrets.AZURE_OPENAI_API_KEY}}")
    assert not pattern.search("sk-live-1234")


def test_connection_inputs_cover_the_bindings() -> None:
    value = template(registry.get("models.list"))
    names = {p["binding"]["name"] for p in value["properties"] if p.get("group") == "connection"}
    assert names == {bindings.connection_target(key) for key in bindings.CONNECTION_INPUTS}


def test_result_error_and_retry_fields() -> None:
    value = template(registry.get("chat.create"))
    headers = {
        p["binding"]["key"]: p
        for p in value["properties"]
        if p["binding"]["type"] == "zeebe:taskHeader"
    }
    assert set(headers) == {"resultVariable", "resultExpression", "errorExpression", "retryBackoff"}
    assert headers["resultExpression"]["feel"] == "required"
    assert headers["errorExpression"]["feel"] == "required"
    assert headers["retryBackoff"]["value"] == "PT0S"
    retries = prop(value, "retries")
    assert retries["binding"] == {"type": "zeebe:taskDefinition", "property": "retries"}
    assert retries["value"] == "3"
    duration = re.compile(headers["retryBackoff"]["constraints"]["pattern"]["value"])
    assert duration.search("PT30S") and duration.search("P1DT2H")
    assert not duration.search("30s") and not duration.search("P")


def test_one_property_per_input_field_bound_by_name() -> None:
    for operation_id in ("chat.create", "files.upload", "raw.request"):
        value = template(registry.get(operation_id))
        fields = list(registry.get(operation_id).input.model_fields)
        inputs = [
            p["binding"]["name"]
            for p in value["properties"]
            if p.get("group") in ("input", "files") and p["binding"]["type"] == "zeebe:input"
        ]
        assert sorted(set(inputs) - {"fileOutput"}) == sorted(fields)


def test_required_fields_are_not_empty_and_optional_ones_may_be() -> None:
    value = template(registry.get("files.upload"))
    assert prop(value, "file")["constraints"]["notEmpty"] is True
    assert prop(value, "purpose")["constraints"]["notEmpty"] is True
    assert "notEmpty" not in prop(value, "filename").get("constraints", {})


def test_choices_mirror_the_model_and_are_accepted_by_it() -> None:
    for operation_id in OPERATION_IDS:
        operation = registry.get(operation_id)
        for item in template(operation)["properties"]:
            if item.get("group") != "input" or item["type"] != "Dropdown":
                continue
            field = operation.input.model_fields[item["id"]]
            adapter = TypeAdapter(field.annotation)
            for choice in item["choices"]:
                if choice["value"]:
                    adapter.validate_python(choice["value"])


def data_url(kind: str, content: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


def as_process_gives_it(value: Any) -> Any:
    """The catalogue's example paths (path/to/...) as the data: URLs a process passes."""
    if isinstance(value, list):
        return [as_process_gives_it(v) for v in value]
    if not isinstance(value, str) or not value.startswith("path/to/"):
        return value
    if value.endswith(".png"):
        return data_url("image/png", png())
    if value.endswith(".jsonl"):
        return data_url("application/jsonl", b'{"a": 1}\n')
    return data_url("audio/wav", wav(b"\0\0" * 800))


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_defaults_are_accepted_by_the_input_model(operation_id: str) -> None:
    """The catalogue's example input (files as data: URLs, as a process gives them), with
    every value the template pre-fills, validates."""
    operation = registry.get(operation_id)
    example = catalogue.describe(operation_id)["example_input"]
    variables = {name: as_process_gives_it(value) for name, value in example.items()}
    variables["fileOutput"] = "workspace"  # so the path fields' defaults are read too
    if operation_id == "raw.request":  # its example has a body and form data; GET has neither
        for name in ("data", "form_data", "file_data", "file_data_file_names"):
            variables.pop(name)
    for item in template(operation)["properties"]:
        name = item["binding"].get("name")
        if name in operation.input.model_fields and item.get("value", "") != "":
            variables[name] = item["value"]
    params = bindings.operation_params(operation.input.model_fields, variables)
    operation.input.model_validate(params)


def test_literal_becomes_dropdown_with_provider_default() -> None:
    image_detail = prop(template(registry.get("chat.create")), "image_detail")
    assert [c["value"] for c in image_detail["choices"]] == ["", "auto", "low", "high"]
    assert image_detail["value"] == ""
    method = prop(template(registry.get("raw.request")), "method")
    assert method["value"] == "GET"
    assert "" not in [c["value"] for c in method["choices"]]


def test_optional_boolean_can_stay_unset() -> None:
    value = template(registry.get("responses.create"))
    store = prop(value, "store")
    assert store["type"] == "Dropdown"
    assert store["value"] == ""
    keep = prop(template(registry.get("images.generate")), "keep_b64")
    assert keep["type"] == "Boolean"
    assert keep["value"] is True


def test_numbers_say_their_range_and_take_feel() -> None:
    temperature = prop(template(registry.get("chat.create")), "temperature")
    assert temperature["type"] == "Number"
    assert temperature["feel"] == "optional"
    assert "At least 0, at most 2." in temperature["description"]
    concurrency = prop(template(registry.get("chat.create_many")), "concurrency")
    assert concurrency["value"] == 8


def test_text_limits_become_constraints_that_let_feel_through() -> None:
    speech = prop(template(registry.get("audio.speech")), "input")
    assert speech["constraints"] == {"notEmpty": True, "maxLength": 4096}
    size_rule = prop(template(registry.get("images.generate")), "size")["constraints"]
    size = re.compile(size_rule["pattern"]["value"])
    assert size.search("1024x1024") and size.search("auto") and size.search("=picked")
    assert not size.search("big")
    language = prop(template(registry.get("audio.transcribe")), "language")
    rule = re.compile(language["constraints"]["pattern"]["value"])
    assert rule.search("de") and not rule.search("german")


def test_structures_are_feel_expressions() -> None:
    value = template(registry.get("chat.create"))
    assert prop(value, "history")["feel"] == "required"
    assert prop(value, "history")["type"] == "Text"
    assert prop(value, "prompt")["feel"] == "optional"


def test_files_in_are_data_url_expressions() -> None:
    file = prop(template(registry.get("files.upload")), "file")
    assert file["type"] == "Text"
    assert file["feel"] == "required"
    assert "data: URL" in file["description"]
    image = prop(template(registry.get("images.edit")), "image")
    assert image["feel"] == "required"


def test_files_out_are_base64_or_a_workspace_path() -> None:
    value = template(registry.get("images.generate"))
    chooser = prop(value, "fileOutput")
    assert chooser["value"] == "base64"
    assert [c["value"] for c in chooser["choices"]] == ["base64", "workspace"]
    folder = prop(value, "output_dir")
    assert folder["condition"] == {"property": "fileOutput", "equals": "workspace"}
    inside = re.compile(folder["constraints"]["pattern"]["value"])
    for good in (".", "out/images", "a..b", "=folder"):
        assert inside.search(good), good
    for bad in ("/etc", "../up", "out/../../up", "C:\\temp", "\\\\host\\share"):
        assert not inside.search(bad), bad
    overwrite = prop(value, "overwrite")
    assert (overwrite["group"], overwrite["condition"]) == ("files", folder["condition"])
    chat = template(registry.get("chat.create"))
    assert "fileOutput" not in {p.get("id") for p in chat["properties"]}


def test_operation_missing_on_azure_says_so() -> None:
    assert "not on Azure OpenAI" in template(registry.get("responses.create"))["description"]
    assert "not on Azure" not in template(registry.get("chat.create"))["description"]


# --- lint: each rule catches a hand-broken template ----------------------------------


def broken(operation_id: str = "chat.create") -> dict[str, Any]:
    return copy.deepcopy(template(registry.get(operation_id)))


def test_lint_condition_naming_a_missing_property() -> None:
    value = broken()
    prop(value, "connection.endpoint")["condition"]["property"] = "connection.kind"
    assert lint(value) == [
        "property connection.endpoint: its condition names 'connection.kind', which no property has"
    ]


def test_lint_condition_in_all_match() -> None:
    value = broken()
    prop(value, "connection.project")["condition"] = {
        "allMatch": [{"property": "connection.provider", "equals": "openai"}, {"property": "x"}]
    }
    (problem,) = lint(value)
    assert problem == "property connection.project: its condition names 'x', which no property has"


def test_lint_condition_value_no_choice_offers() -> None:
    value = broken()
    prop(value, "connection.endpoint")["condition"]["equals"] = "azure-openai"
    (problem,) = lint(value)
    assert "connection.provider = 'azure-openai'" in problem


def test_lint_duplicate_binding() -> None:
    value = broken()
    prop(value, "user")["binding"]["name"] = "model"
    assert lint(value) == ["property user: binding zeebe:input 'model' is used twice"]


def test_lint_duplicate_header_binding() -> None:
    value = broken()
    prop(value, "errorExpression")["binding"]["key"] = "resultExpression"
    assert lint(value) == [
        "property errorExpression: binding zeebe:taskHeader 'resultExpression' is used twice"
    ]


def test_lint_dropdown_default_not_a_choice() -> None:
    value = broken()
    prop(value, "image_detail")["value"] = "medium"
    (problem,) = lint(value)
    assert problem.startswith("property image_detail: default 'medium' is not among its choices")


def test_lint_duplicate_id() -> None:
    value = broken()
    prop(value, "user")["id"] = "model"
    assert "property id 'model' is used twice" in lint(value)


def test_lint_undeclared_group() -> None:
    value = broken()
    prop(value, "seed")["group"] = "advanced"
    assert lint(value) == ["property seed: group 'advanced' is not declared"]


def test_lint_required_input_field_missing() -> None:
    value = broken("moderation.create")
    value["properties"] = [p for p in value["properties"] if p.get("id") != "input"]
    assert lint(value) == ["required input field 'input' of moderation.create has no zeebe:input"]


def test_lint_input_the_operation_does_not_know() -> None:
    value = broken("moderation.create")
    prop(value, "model")["binding"]["name"] = "modell"
    assert lint(value) == ["zeebe:input 'modell' is not an input field of moderation.create"]


def test_lint_task_type_of_unknown_operation() -> None:
    value = broken()
    prop(value, "taskType")["value"] = "io.openai-connector:chat.creat:1"
    assert lint(value) == ["task type io.openai-connector:chat.creat:1: no operation 'chat.creat'"]


def test_lint_leaves_other_task_types_alone() -> None:
    value = broken()
    prop(value, "taskType")["value"] = "io.camunda:http-json:1"
    assert lint(value) == []


# --- the binding contract the engines read ---------------------------------------------


def test_task_type_round_trip() -> None:
    assert (
        bindings.task_type("fine_tuning.jobs.wait") == "io.openai-connector:fine_tuning.jobs.wait:1"
    )
    assert bindings.operation_of_task_type("io.openai-connector:chat.create:1") == "chat.create"
    for other in ("io.camunda:http-json:1", "io.openai-connector:chat.create:2", "chat.create"):
        assert bindings.operation_of_task_type(other) is None


def test_connection_settings_from_job_variables() -> None:
    nested = {
        "connection": {
            "provider": "azure",
            "endpoint": "https://acme.openai.azure.com",
            "apiKey": "{{secrets.AZURE_OPENAI_API_KEY}}",
            "timeout": 30,
            "maxRetries": 1,
            "organization": None,
            "project": "",
        },
        "prompt": "hi",
    }
    settings = bindings.connection_settings(nested)
    assert settings == {
        "provider": "azure",
        "endpoint": "https://acme.openai.azure.com",
        "api_key": "{{secrets.AZURE_OPENAI_API_KEY}}",
        "timeout": {"total": 30},
        "retry": {"max_retries": 1},
    }
    connection = Connection(**settings)
    assert connection.timeout.total == 30
    flat = {"connection.provider": "compatible", "connection.baseUrl": "http://127.0.0.1:9/v1"}
    assert bindings.connection_settings(flat) == {
        "provider": "compatible",
        "base_url": "http://127.0.0.1:9/v1",
    }


def test_operation_params_take_the_fields_that_are_given() -> None:
    fields = registry.get("moderation.create").input.model_fields
    variables = {"input": "hello", "model": None, "prompt": "not a field", "connection": {}}
    assert bindings.operation_params(fields, variables) == {"input": "hello"}


def test_paths_are_read_only_when_files_go_to_the_workspace() -> None:
    fields = registry.get("images.generate").input.model_fields
    variables = {"prompt": "a cat", "output_dir": "/etc", "overwrite": True}
    assert bindings.operation_params(fields, variables) == {"prompt": "a cat"}
    variables |= {"fileOutput": "base64"}
    assert bindings.operation_params(fields, variables) == {"prompt": "a cat"}
    variables |= {"fileOutput": "workspace", "output_dir": "pictures"}
    assert bindings.operation_params(fields, variables) == {
        "prompt": "a cat",
        "output_dir": "pictures",
        "overwrite": True,
    }
