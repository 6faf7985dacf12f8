"""The catalogue: every operation listed, searched by keyword, described with an example."""

from __future__ import annotations

import itertools

import pytest
from pydantic import Field

from openai_connector import catalogue
from openai_connector.catalogue.example import LEAVE_OUT, PER_OPERATION, example_input
from openai_connector.errors import UnknownOperation
from openai_connector.operations.base import EXTRA_FIELDS, Operation, OperationInput
from openai_connector.operations.registry import operations

# Examples that cannot validate, and why.
EXAMPLE_CANNOT_VALIDATE = {
    "audio.transcribe": "the file must exist",
    "audio.translate": "the file must exist",
    "files.upload": "the file must exist",
    "images.edit": "the image must exist",
    "images.variation": "the image must exist",
    "raw.request": "data and form_data exclude each other, and every field is filled",
}


def ids(query: str) -> list[str]:
    return [match.entry.id for match in catalogue.search(query)]


def test_entries_cover_the_registry() -> None:
    assert [entry.id for entry in catalogue.entries()] == list(operations())


def test_entry_of_a_composite_has_no_method() -> None:
    entry = catalogue.Entry.of(operations()["connection.test"])
    assert entry.composite is True
    assert entry.method is None
    assert entry.openai_path == entry.azure_path == catalogue.COMPOSITE


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("moderate", "moderation.create"),
        ("moderation policy", "moderation.create"),
        ("chat", "chat.create"),
        ("test connection", "connection.test"),
        ("list models", "models.list"),
        ("delete model", "models.delete"),
        ("CHAT.CREATE", "chat.create"),
    ],
)
def test_search_puts_the_best_match_first(query: str, best: str) -> None:
    assert ids(query)[0] == best


def test_search_ranks_by_words_matched_then_score() -> None:
    matches = catalogue.search("delete model")
    assert matches[0].matched == 2
    assert all(a.matched >= b.matched for a, b in itertools.pairwise(matches))
    assert "models.list" in ids("delete model")  # one word hit: listed, but lower


def test_search_matches_plurals_and_prefixes() -> None:
    assert ids("models")[:3] == ids("model")[:3]
    assert "moderation.create" in ids("moder")


def test_search_ignores_stop_words_and_misses() -> None:
    assert catalogue.search("the of and") == []
    assert catalogue.search("xylophone") == []


def test_input_schema_is_json_schema_of_the_model() -> None:
    schema = catalogue.input_schema(operations()["chat.create"])
    assert schema["type"] == "object"
    assert schema["properties"]["temperature"]["anyOf"][0]["maximum"] == 2
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("operation_id", list(operations()))
def test_every_operation_is_described(operation_id: str) -> None:
    shown = catalogue.describe(operation_id)
    op = operations()[operation_id]
    assert shown["id"] == operation_id
    assert shown["summary"] == op.summary
    assert set(shown["paths"]) == {"openai", "azure"}
    # every field is filled, except those that do not fit the example's model and the
    # extra_body/extra_headers/extra_query escape hatches (no example for the unknown)
    left_out = {k for k, v in PER_OPERATION.get(operation_id, {}).items() if v is LEAVE_OUT}
    left_out |= EXTRA_FIELDS
    fields = set(shown["input_schema"].get("properties", {}))
    assert set(shown["example_input"]) == fields - left_out
    assert shown["example_validates"] is (operation_id not in EXAMPLE_CANNOT_VALIDATE)
    if shown["example_validates"]:
        op.input.model_validate(shown["example_input"])


def test_example_values_fit_their_names_and_limits() -> None:
    example, valid = example_input(operations()["chat.create"])
    assert valid
    assert example["prompt"] == "Write a haiku about the sea."
    assert 0 <= example["temperature"] <= 2
    assert example["n"] == 1
    assert example["history"][0]["role"] == "user"


class Limited(OperationInput):
    name: str = Field(min_length=12, max_length=20)
    level: int = Field(ge=5, le=9)
    ratio: float = Field(gt=0, lt=0.3)
    kind: str = Field(json_schema_extra={"examples": ["documented"]})


def test_example_respects_limits_and_documented_examples() -> None:
    op = Operation(id="test.limits", summary="limits", input=Limited)
    example, valid = example_input(op)
    assert valid, example
    assert 12 <= len(example["name"]) <= 20
    assert example["level"] == 5
    assert 0 < example["ratio"] < 0.3
    assert example["kind"] == "documented"


def test_unknown_operation_is_a_user_error() -> None:
    with pytest.raises(UnknownOperation, match=r"chat\.create"):
        catalogue.describe("chat.creat")


def test_generated_examples_fit_one_model_and_purpose() -> None:
    from openai_connector.catalogue.example import example_input
    from openai_connector.connection import Connection
    from openai_connector.operations.base import Context
    from openai_connector.operations.registry import operations

    generate, valid = example_input(operations()["images.generate"])
    assert valid
    assert generate["model"].startswith("gpt-image")
    assert not {"style", "response_format", "output_compression"} & set(generate)
    assert "haiku" not in generate["prompt"]
    variation, _ = example_input(operations()["images.variation"])
    assert variation["model"] == "dall-e-2"
    for op_id in ("audio.transcribe", "audio.translate"):
        example, _ = example_input(operations()[op_id])
        assert "haiku" not in example["prompt"] and example["file"].endswith(".mp3")
    # every example that validates also passes the provider's per-model rules (except
    # placeholders for local files, which cannot exist)
    context = Context(Connection())
    for op in operations().values():
        example, valid = example_input(op)
        if valid and op.runner is None and op.id != "chat.create":
            op.request(op.input.model_validate(example), context)
