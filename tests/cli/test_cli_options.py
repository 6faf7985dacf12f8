"""Options generated from input models: the option's shape follows the field's type."""

from __future__ import annotations

import json
from typing import Any, Literal

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field

from openai_connector.cli.options import collect, options_for
from openai_connector.operations.base import OperationInput


class Part(BaseModel):
    type: str


class Sample(OperationInput):
    params: str = Field(description="Reserved name")
    count: int | None = None
    ratio: float | None = None
    flag: bool | None = None
    mode: Literal["fast", "slow"] | None = None
    tags: list[str] | None = None
    stop: str | list[str] | None = None
    settings: dict[str, Any] | None = None
    parts: list[Part] | None = None
    prompt: str | list[Part] | None = None
    file: str | bytes | None = None


def parse(*args: str) -> dict[str, Any]:
    fields = options_for(Sample)
    seen: dict[str, Any] = {}

    def callback(**values: Any) -> None:
        seen.update(collect(fields, values))

    command = click.Command("sample", callback=callback, params=[f.option() for f in fields])
    result = CliRunner().invoke(command, list(args))
    assert result.exit_code == 0, result.output
    return seen


def test_flags_follow_the_field_names() -> None:
    flags = [option.flag for option in options_for(Sample)]
    assert flags == [
        "--params-value",
        "--count",
        "--ratio",
        "--flag",
        "--mode",
        "--tags",
        "--stop",
        "--settings",
        "--parts",
        "--prompt",
        "--file",
    ]


def test_nothing_given_gives_nothing() -> None:
    assert parse() == {}


def test_scalars_flags_and_choices() -> None:
    given = parse(
        "--params-value", "x", "--count", "3", "--ratio", "0.5", "--no-flag", "--mode", "slow"
    )
    assert given == {"params": "x", "count": 3, "ratio": 0.5, "flag": False, "mode": "slow"}


def test_lists_repeat_or_take_json() -> None:
    assert parse("--tags", "a", "--tags", "b")["tags"] == ["a", "b"]
    assert parse("--tags", '["a", "b"]')["tags"] == ["a", "b"]
    assert parse("--stop", "END")["stop"] == "END"
    assert parse("--stop", "A", "--stop", "B")["stop"] == ["A", "B"]


def test_structures_take_json_or_a_file(tmp_path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"a": 1}))
    assert parse("--settings", '{"a": 1}')["settings"] == {"a": 1}
    assert parse("--settings", f"@{path}")["settings"] == {"a": 1}
    assert parse("--parts", '[{"type": "text"}]')["parts"] == [{"type": "text"}]


def test_text_or_structure() -> None:
    assert parse("--prompt", "plain words")["prompt"] == "plain words"
    assert parse("--prompt", '[{"type": "text"}]')["prompt"] == [{"type": "text"}]
    assert parse("--prompt", "[not json")["prompt"] == "[not json"


def test_file_fields_take_a_path() -> None:
    assert parse("--file", "data/train.jsonl")["file"] == "data/train.jsonl"


@pytest.mark.parametrize(
    "args", [["--settings", "{broken"], ["--count", "many"], ["--mode", "medium"]]
)
def test_bad_values_are_usage_errors(args: list[str]) -> None:
    fields = options_for(Sample)
    command = click.Command(
        "sample",
        callback=lambda **values: collect(fields, values),
        params=[f.option() for f in fields],
    )
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 2
    assert args[0] in result.output


class Many(OperationInput):
    prompts: list[str | list[dict[str, Any]] | dict[str, Any]]


def test_list_of_text_or_structures_repeats_each_as_text_or_json() -> None:
    fields = options_for(Many)
    seen: dict[str, Any] = {}
    command = click.Command(
        "many",
        callback=lambda **values: seen.update(collect(fields, values)),
        params=[f.option() for f in fields],
    )
    args = ["--prompts", "hello", "--prompts", '{"prompt": "hi", "n": 2}']
    assert CliRunner().invoke(command, args).exit_code == 0
    assert seen["prompts"] == ["hello", {"prompt": "hi", "n": 2}]
    assert CliRunner().invoke(command, ["--prompts", '["a", "b"]']).exit_code == 0
    assert seen["prompts"] == ["a", "b"]
