"""openai-connector operations: the list, keyword search and one operation's description."""

from __future__ import annotations

import json

from openai_connector.operations.registry import operations


def test_operations_lists_every_operation(invoke) -> None:
    result = invoke("operations", connect=False)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "METHOD", "OPENAI", "PATH", "AZURE", "PATH", "SUMMARY"]
    listed = [line.split()[0] for line in lines[1:]]
    assert listed == list(operations())
    chat = next(line for line in lines if line.startswith("chat.create "))
    assert "/chat/completions" in chat
    assert "/deployments/{deployment}/chat/completions" in chat
    moderation = next(line for line in lines if line.startswith("moderation.create "))
    assert moderation.split()[1:4] == ["POST", "/moderations", "—"]


def test_operations_as_json(invoke) -> None:
    result = invoke("--json", "operations", connect=False)
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [entry["id"] for entry in listed] == list(operations())
    assert {"id", "method", "openai_path", "azure_path", "streams", "summary"} <= set(listed[0])


def test_search_ranks_the_best_match_first(invoke) -> None:
    result = invoke("operations", "search", "moderate", "text", connect=False)
    assert result.exit_code == 0, result.stderr
    ids = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert ids[0] == "moderation.create"


def test_search_without_a_hit_is_an_empty_answer(invoke) -> None:
    result = invoke("operations", "search", "xylophone", connect=False)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no operation matches" in result.stderr
    result = invoke("--json", "operations", "search", "xylophone", connect=False)
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_show_describes_an_operation(invoke) -> None:
    result = invoke("operations", "show", "chat.create", connect=False)
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["id"] == "chat.create"
    assert shown["method"] == "POST"
    assert shown["paths"] == {
        "openai": "/chat/completions",
        "azure": "/deployments/{deployment}/chat/completions",
    }
    assert shown["streams"] is True
    assert "temperature" in shown["input_schema"]["properties"]
    extras = {"extra_body", "extra_headers", "extra_query"}  # taken, never in the example
    assert extras < set(shown["input_schema"]["properties"])
    assert set(shown["example_input"]) == set(shown["input_schema"]["properties"]) - extras
    assert shown["example_validates"] is True


def test_show_names_what_azure_lacks(invoke) -> None:
    shown = json.loads(invoke("operations", "show", "moderation.create", connect=False).stdout)
    assert shown["paths"]["azure"] is None
    assert "Azure" in shown["azure_note"]


def test_show_unknown_operation_exits_2_with_a_suggestion(invoke) -> None:
    result = invoke("operations", "show", "moderation.creat", connect=False)
    assert result.exit_code == 2
    assert "moderation.create" in result.stderr


def test_example_input_runs_as_is(server, invoke, tmp_path) -> None:
    """The example from 'operations show' is a valid --input for 'run'."""
    from scripted_server import Reply

    shown = json.loads(invoke("operations", "show", "moderation.create", connect=False).stdout)
    example = tmp_path / "example.json"
    example.write_text(json.dumps(shown["example_input"]))
    server.default = Reply(json={"id": "modr-1", "results": []})
    result = invoke("run", "moderation.create", "--params", str(example))
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json == shown["example_input"]
