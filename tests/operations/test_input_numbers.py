"""Numbers and names every operation takes: bounded, finite, not blank; refused before sending.

These walk every operation's input model, so a field added later is held to the same rules.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from faces import Face
from openai_connector import Connector, InvalidInput
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.operations.registry import operations
from scripted_server import ScriptedServer

FREE_FORM = {"raw.request"}
"""Its query and form values are sent as text, not as JSON numbers."""
FREE_FORM_FIELDS = (".properties.extra_query.", ".properties.extra_body.")
"""What the connector does not know (extra_query, extra_body) it cannot bound."""


def _integers(schema: Any, path: str, defs: dict[str, Any], seen: set[str]) -> list[str]:
    """Paths of integers in a JSON schema that lack a lower or an upper bound."""
    found: list[str] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                found += _integers(defs[name], path, defs, seen | {name})
        if schema.get("type") == "integer":
            low = "minimum" in schema or "exclusiveMinimum" in schema
            high = "maximum" in schema or "exclusiveMaximum" in schema
            checked = path.endswith("logit_bias.anyOf.additionalProperties")  # by a rule
            free = any(name in path for name in FREE_FORM_FIELDS)
            if not (low and high) and not checked and not free:
                found.append(path)
        for key, value in schema.items():
            if key != "$defs":
                found += _integers(value, f"{path}.{key}", defs, seen)
    elif isinstance(schema, list):
        for value in schema:
            found += _integers(value, path, defs, seen)
    return found


def test_every_integer_an_operation_sends_is_bounded() -> None:
    unbounded = []
    for op in operations().values():
        if op.id in FREE_FORM:
            continue
        schema = op.input.model_json_schema()
        unbounded += _integers(schema, op.id, schema.get("$defs", {}), set())
    assert unbounded == []


def offline() -> Connector:
    """A connector whose calls must all be refused before sending (nothing listens)."""
    return Connector(provider="compatible", base_url="http://127.0.0.1:9/v1")


def _top_level(kind: str) -> list[tuple[str, str]]:
    pairs = []
    for op in operations().values():
        for name, prop in op.input.model_json_schema().get("properties", {}).items():
            types = {p.get("type") for p in prop.get("anyOf", [prop])}
            if kind in types:
                pairs.append((op.id, name))
    return pairs


@pytest.mark.parametrize(("operation", "field"), _top_level("number"))
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_every_number_must_be_finite(operation: str, field: str, value: float) -> None:
    with offline() as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, {field: value})
    messages = {e["field"]: e["message"] for e in caught.value.errors}
    assert "a finite number" in messages[field]


def test_a_nan_temperature_is_not_called_too_large() -> None:
    with offline() as connector, pytest.raises(InvalidInput) as caught:
        connector.run("chat.create", {"model": "m", "prompt": "hi", "temperature": math.nan})
    assert caught.value.field == "temperature"
    assert "a finite number" in caught.value.message
    assert "2" not in caught.value.message.split(":", 2)[-1].split("(")[0]


def test_a_nested_number_must_be_finite() -> None:
    params = {
        "model": "gpt-4o-mini",
        "training_file": "file-1",
        "hyperparameters": {"learning_rate_multiplier": math.inf},
    }
    with offline() as connector, pytest.raises(InvalidInput) as caught:
        connector.run("fine_tuning.jobs.create", params)
    assert caught.value.field == "hyperparameters.learning_rate_multiplier"
    assert "a finite number" in caught.value.message


MODEL_OPERATIONS = [op.id for op in operations().values() if "model" in op.input.model_fields]


@pytest.mark.parametrize("operation", MODEL_OPERATIONS)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"], ids=["empty", "spaces", "whitespace"])
def test_no_operation_sends_a_blank_model(
    operation: str, blank: str, server: ScriptedServer
) -> None:
    connection = {"provider": "compatible", "base_url": server.url + "/v1"}
    with Connector(**connection) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, {"model": blank})
    messages = {e["field"]: e["message"] for e in caught.value.errors}
    assert messages["model"] == "a model name cannot be blank"
    assert server.requests == []


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("chat.create", {"seed": 10**30}, "seed"),
        ("chat.create", {"seed": -(2**63) - 1}, "seed"),
        ("chat.create", {"max_tokens": 10**30}, "max_tokens"),
        ("chat.create", {"max_completion_tokens": 2**31}, "max_completion_tokens"),
        ("completions.create", {"seed": 2**63}, "seed"),
        ("completions.create", {"max_tokens": 10**30}, "max_tokens"),
        ("completions.create", {"prompt": [1, 2**40]}, "prompt"),
        ("embeddings.create", {"input": [[1, -1]]}, "input"),
        ("embeddings.create", {"input": "x", "dimensions": 10**30}, "dimensions"),
        ("responses.create", {"input": "x", "max_output_tokens": 10**30}, "max_output_tokens"),
        ("fine_tuning.jobs.list", {"limit": 10**30}, "limit"),
    ],
)
def test_integers_beyond_what_the_api_takes_are_refused(
    face: Face, server: ScriptedServer, operation: str, params: dict[str, Any], field: str
) -> None:
    conn = {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
    defaults = {"model": "m", "prompt": "hi"} if operation.startswith("chat") else {"model": "m"}
    if operation == "fine_tuning.jobs.list":
        defaults = {}
    if operation == "completions.create":
        defaults = {"model": "m", "prompt": "hi"}
    with pytest.raises(InvalidInput) as caught:
        face.run(operation, {**defaults, **params}, **conn)
    assert exit_code_of(caught.value) == 2
    assert caught.value.field is not None and caught.value.field.startswith(field)
    assert server.requests == []


def test_the_largest_seed_and_token_count_are_sent(face: Face, server: ScriptedServer) -> None:
    from scripted_server import Reply, chat_body

    conn = {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
    server.script(Reply(json=chat_body()))
    params = {"model": "m", "prompt": "hi", "seed": 2**63 - 1, "max_tokens": 2**31 - 1}
    face.run("chat.create", params, **conn)
    sent = server.requests[0].json
    assert sent["seed"] == 2**63 - 1
    assert sent["max_tokens"] == 2**31 - 1
