"""Global options work before and after the command; a name the command has is its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from openai_connector.cli.global_options import CONNECTION_FLAGS, OUTPUT_OPTIONS
from openai_connector.cli.main import cli
from scripted_server import Reply, ScriptedServer, chat_body

Invoke = Any


def connection_args(server: ScriptedServer, api_key: str = "sk-test1234") -> list[str]:
    return ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", api_key]


def test_text_after_the_command(server: ScriptedServer, invoke: Invoke) -> None:
    server.default = Reply(json=chat_body("Bonjour"))
    result = invoke("chat", "--prompt", "hi", "-m", "m", "--text")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Bonjour\n"


def test_json_after_a_run_command(server: ScriptedServer, invoke: Invoke) -> None:
    server.default = Reply(status=400, json={"error": {"message": "bad", "code": "x"}})
    result = invoke("run", "chat.create", "--model", "m", "--prompt", "hi", "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["status"] == 400  # the error as JSON on stdout


def test_connection_flags_after_the_command(server: ScriptedServer) -> None:
    server.default = Reply(json={"data": [{"id": "m"}]})
    server.script(Reply(json={"data": [{"id": "m"}]}))
    args = ["test-connection", *connection_args(server, "sk-after-1234")]
    result = CliRunner().invoke(cli, args)
    assert server.requests, result.stderr
    assert server.requests[0].path == "/v1/models"
    assert server.requests[0].headers["authorization"] == "Bearer sk-after-1234"


def test_a_value_after_the_command_wins(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    args = ["--default-model", "before", "chat", "-p", "hi", "--default-model", "after"]
    result = CliRunner().invoke(cli, [*connection_args(server), *args])
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["model"] == "after"


def test_text_and_a_result_expression_still_exclude_each_other(invoke: Invoke) -> None:
    result = invoke("--text", "chat", "-p", "hi", "--result-expression", "status")
    assert result.exit_code == 2
    assert "exclude each other" in result.stderr


def _write_config(tmp_path: Any, server: ScriptedServer) -> str:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[connections.local]\nprovider = "compatible"\nbase_url = "{server.url}/v1"\n'
        'api_key = "sk-config-1234"\ndefault_model = "from-config"\n'
    )
    return str(config)


# every global option, given after the command, with what shows that it took effect
AFTER: dict[str, Any] = {
    "--text": (["--text"], lambda r, s: r.stdout == "Hello!\n"),
    "--json": (["--json"], lambda r, s: json.loads(r.stdout)["status"] == 200),
    "--debug": (["--debug"], lambda r, s: "debug: request" in r.stderr),
    "--result-expression": (
        ["--result-expression", "{s: status}"],
        lambda r, s: json.loads(r.stdout) == {"s": 200},
    ),
    "--result-variable": (
        ["--result-variable", "out"],
        lambda r, s: json.loads(r.stdout)["out"]["status"] == 200,
    ),
    "--provider": (["--provider", "compatible"], lambda r, s: s.requests),
    "--base-url": (["--base-url", "{url}/v1"], lambda r, s: s.requests),
    "--endpoint": (["--endpoint", "https://x.openai.azure.com"], lambda r, s: r.exit_code != 2),
    "--api-key": (
        ["--api-key", "sk-late-12345"],
        lambda r, s: s.requests[0].headers["authorization"] == "Bearer sk-late-12345",
    ),
    "--api-version": (["--api-version", "2024-06-01"], lambda r, s: s.requests),
    "--organization": (
        ["--organization", "org-late"],
        lambda r, s: s.requests[0].headers["openai-organization"] == "org-late",
    ),
    "--project": (
        ["--project", "proj-late"],
        lambda r, s: s.requests[0].headers["openai-project"] == "proj-late",
    ),
    "--default-model": (
        ["--default-model", "late-model"],
        lambda r, s: s.requests[0].json["model"] == "late-model",
    ),
    "--timeout": (["--timeout", "7"], lambda r, s: s.requests),
    "--max-retries": (["--max-retries", "0"], lambda r, s: len(s.requests) == 1),
}


def test_every_global_option_is_covered() -> None:
    names = {flags[0] for flags, _, _ in OUTPUT_OPTIONS} | {f for f, *_ in CONNECTION_FLAGS}
    assert names - {"--connection", "--config"} == set(AFTER)


@pytest.mark.parametrize("option", sorted(AFTER))
def test_each_global_option_after_the_command(
    option: str, server: ScriptedServer, invoke: Invoke
) -> None:
    server.default = Reply(json=chat_body())
    args, shown = AFTER[option]
    args = [a.replace("{url}", server.url) for a in args]
    model = [] if option == "--default-model" else ["-m", "m"]
    result = invoke("chat", "-p", "hi", *model, *args)
    if option == "--max-retries":
        server.default = Reply(status=503, json={"error": {"message": "busy"}})
        server.requests.clear()
        result = invoke("chat", "-p", "hi", *model, *args)
    assert shown(result, server), (result.stdout, result.stderr)


@pytest.mark.parametrize("flags", [["--connection", "local"], ["-c", "local"]])
def test_connection_and_config_after_the_command(
    flags: list[str], server: ScriptedServer, tmp_path: Any
) -> None:
    server.default = Reply(json=chat_body())
    config = _write_config(tmp_path, server)
    args = ["chat", "-p", "hi", *flags, "--config", config]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["model"] == "from-config"


def test_after_operations_commands(invoke: Invoke) -> None:
    result = invoke("operations", "search", "embed", "--json", connect=False)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == "embeddings.create"


def test_a_name_the_operation_has_is_its_own_field(server: ScriptedServer, invoke: Invoke) -> None:
    # chat.summarize has a field "text": after the command --text is that field, so the
    # global --text (print the answer's text) goes before the command
    server.default = Reply(json=chat_body("Short."))
    result = invoke("--text", "run", "chat.summarize", "--model", "m", "--text", "Long text.")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Short.\n"
    assert "Long text." in server.requests[0].json["messages"][-1]["content"]


def test_raw_request_debug_is_its_own_field(server: ScriptedServer, invoke: Invoke) -> None:
    # raw.request's --debug logs that call only; the global --debug also shows the connection
    result = invoke("run", "raw.request", "--method", "GET", "--path", "/models", "--debug")
    assert result.exit_code == 0, result.stderr
    assert "debug: request" in result.stderr
    assert "debug: connection" not in result.stderr
    result = invoke("--debug", "run", "raw.request", "--method", "GET", "--path", "/models")
    assert "debug: connection" in result.stderr


def test_raw_request_timeout_is_its_own_field(server: ScriptedServer, invoke: Invoke) -> None:
    server.default = Reply(json={"ok": True}, delay=0.6)
    result = invoke("run", "raw.request", "--method", "GET", "--path", "/x", "--timeout", "0.2")
    assert result.exit_code == 4, result.stderr  # the field: this call's timeout
    assert "timed out" in result.stderr or "timeout" in result.stderr.lower()


def test_global_options_after_a_command_imported_when_used(tmp_path: Any) -> None:
    # keys is imported (and given the global options) only when it runs
    result = CliRunner().invoke(cli, ["keys", "list", "--data-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_help_lists_the_commands_imported_when_used() -> None:
    from openai_connector.cli.main import LAZY_COMMANDS

    listed = CliRunner().invoke(cli, ["--help"])
    assert listed.exit_code == 0
    for name in LAZY_COMMANDS:
        assert f"\n  {name} " in listed.stdout, name
        shown = CliRunner().invoke(cli, [name, "--help"])
        assert shown.exit_code == 0, (name, shown.stderr)
        assert f"Usage: openai-connector {name}" in shown.stdout
