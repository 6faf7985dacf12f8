"""moderate, test-connection, and run OPERATION with generated options or --input."""

from __future__ import annotations

import json

from click.testing import CliRunner

from openai_connector.cli.main import cli
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks


def test_moderate_sends_the_input(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json={"id": "modr-1", "results": [{"flagged": False}]})
    result = invoke("moderate", "--input", "I like tea")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["results"] == [{"flagged": False}]
    assert server.requests[0].path == "/v1/moderations"
    assert server.requests[0].json == {"input": "I like tea"}


def test_moderate_several_texts_and_a_model(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json={"id": "modr-1", "results": []})
    result = invoke(
        "moderate", "--input", "one", "--input", "two", "--model", "omni-moderation-latest"
    )
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json == {"input": ["one", "two"], "model": "omni-moderation-latest"}


def test_moderate_on_azure_says_it_is_not_offered(server: ScriptedServer) -> None:
    args = ["--provider", "azure", "--endpoint", server.url, "--api-key", "k" * 32]
    result = CliRunner().invoke(cli, [*args, "moderate", "--input", "x"])
    assert result.exit_code == 2
    assert "moderation" in result.stderr
    assert server.requests == []


def _healthy(request: Recorded) -> Reply:
    if request.path.endswith("/models"):
        return Reply(json={"object": "list", "data": [{"id": "local-model"}]})
    if request.json.get("stream"):
        return Reply(events=chat_chunks(["O"]))
    return Reply(json=chat_body("OK"))


def test_test_connection_passes_every_step(server: ScriptedServer, invoke) -> None:
    server.default = _healthy
    result = invoke("test-connection")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)["body"]
    assert body["ok"] is True
    assert [step["step"] for step in body["steps"]] == [
        "models.list",
        "chat.create",
        "chat.create (stream)",
    ]
    assert server.requests[1].json["model"] == "local-model"


def test_test_connection_with_a_model(server: ScriptedServer, invoke) -> None:
    server.default = _healthy
    result = invoke("test-connection", "--model", "mine")
    assert result.exit_code == 0, result.stderr
    assert server.requests[1].json["model"] == "mine"


def test_failed_test_connection_exits_with_the_steps_error(server: ScriptedServer, invoke) -> None:
    server.default = Reply(status=401, json={"error": {"message": "invalid key"}})
    result = invoke("test-connection")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["body"]["ok"] is False
    assert "failed at step models.list" in result.stderr


def test_run_with_generated_options(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body())
    result = invoke(
        "run",
        "chat.create",
        "--model",
        "m",
        "--prompt",
        "hi",
        "--n",
        "2",
        "--top-p",
        "0.5",
        "--stop",
        "END",
        "--stop",
        "STOP",
        "--logprobs",
        "--tool-choice",
        "auto",
        "--metadata",
        '{"team": "a"}',
    )
    assert result.exit_code == 0, result.stderr
    body = server.requests[0].json
    assert body["n"] == 2
    assert body["top_p"] == 0.5
    assert body["stop"] == ["END", "STOP"]
    assert body["logprobs"] is True
    assert body["tool_choice"] == "auto"
    assert body["metadata"] == {"team": "a"}
    assert "seed" not in body


def test_run_takes_json_options_from_a_file(server: ScriptedServer, invoke, tmp_path) -> None:
    server.default = Reply(json=chat_body())
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": {"name": "lookup"}}]))
    result = invoke("run", "chat.create", "--prompt", "hi", "--model", "m", "--tools", f"@{tools}")
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["tools"][0]["function"]["name"] == "lookup"


def test_run_input_file_with_options_overriding(server: ScriptedServer, invoke, tmp_path) -> None:
    server.default = Reply(json=chat_body())
    given = tmp_path / "input.json"
    given.write_text(json.dumps({"model": "m", "prompt": "from the file", "temperature": 1}))
    result = invoke("run", "chat.create", "--params", str(given), "--temperature", "0.5")
    assert result.exit_code == 0, result.stderr
    body = server.requests[0].json
    assert body["messages"] == [{"role": "user", "content": "from the file"}]
    assert body["temperature"] == 0.5


def test_run_input_from_standard_input(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json={"id": "modr-1", "results": []})
    result = invoke("run", "moderation.create", "--params", "-", stdin='{"input": ["a", "b"]}')
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json == {"input": ["a", "b"]}


def test_a_field_named_input_is_given_as_input(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json={"id": "modr-1", "results": []})
    result = invoke("run", "moderation.create", "--input", "hello")
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json == {"input": "hello"}


def test_run_input_that_is_not_an_object_exits_2(server: ScriptedServer, invoke) -> None:
    result = invoke("run", "moderation.create", "--params", "-", stdin="[1, 2]")
    assert result.exit_code == 2
    assert "--params" in result.stderr
    assert server.requests == []


def test_run_missing_required_field_exits_2_naming_it(server: ScriptedServer, invoke) -> None:
    result = invoke("run", "models.retrieve")
    assert result.exit_code == 2
    assert "model" in result.stderr
    assert server.requests == []


def test_run_puts_path_parameters_in_the_path(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json={"id": "gpt-4o", "object": "model"})
    result = invoke("run", "models.retrieve", "--model", "gpt-4o")
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].method == "GET"
    assert server.requests[0].path == "/v1/models/gpt-4o"
    assert server.requests[0].body == b""


def test_run_streams_when_asked(server: ScriptedServer, invoke) -> None:
    server.default = Reply(events=chat_chunks(["a", "b"]))
    result = invoke("run", "chat.create", "--prompt", "hi", "--model", "m", "--stream")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ab\n"


def test_run_unknown_operation_suggests_one(server: ScriptedServer, invoke) -> None:
    result = invoke("run", "chat.creat")
    assert result.exit_code == 2
    assert "chat.create" in result.stderr


def test_run_help_lists_operations(invoke) -> None:
    result = invoke("run", "--help", connect=False)
    assert result.exit_code == 0
    assert "chat.create" in result.stdout
    assert "moderation.create" in result.stdout


def test_every_operation_has_a_command_with_help(invoke) -> None:
    from openai_connector.operations.registry import operations

    for operation_id, op in operations().items():
        result = invoke("run", operation_id, "--help", connect=False)
        assert result.exit_code == 0, (operation_id, result.output)
        assert "--params FILE|-" in result.stdout
        for name in op.input.model_fields:
            flag = "--" + name.replace("_", "-")
            assert flag in result.stdout, (operation_id, flag)
