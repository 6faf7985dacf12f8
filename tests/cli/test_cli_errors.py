"""Exit codes and error output: 2 user error, 3 API error, 4 transport error."""

from __future__ import annotations

import json
import socket

from click.testing import CliRunner

from openai_connector.cli.exit_codes import exit_code_for
from openai_connector.cli.main import cli
from scripted_server import Reply, ScriptedServer, chat_body


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_invalid_input_exits_2_naming_the_field(server: ScriptedServer, invoke) -> None:
    result = invoke("chat", "--prompt", "hi", "--model", "m", "--temperature", "3")
    assert result.exit_code == 2
    assert "temperature" in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stdout == ""
    assert server.requests == []


def test_option_of_the_wrong_type_exits_2(server: ScriptedServer, invoke) -> None:
    result = invoke("chat", "--prompt", "hi", "--temperature", "abc")
    assert result.exit_code == 2
    assert "--temperature" in result.stderr
    assert server.requests == []


def test_api_error_exits_3_with_the_providers_message(server: ScriptedServer, invoke) -> None:
    server.default = Reply(
        status=400, json={"error": {"message": "model xyz does not exist", "code": "bad_model"}}
    )
    result = invoke("chat", "--prompt", "hi", "--model", "xyz")
    assert result.exit_code == 3
    assert "model xyz does not exist" in result.stderr
    assert result.stdout == ""


def test_api_error_with_json_prints_the_error_and_its_envelope(
    server: ScriptedServer, invoke
) -> None:
    server.default = Reply(status=401, json={"error": {"message": "bad key", "code": None}})
    result = invoke("--json", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 3
    error = json.loads(result.stdout)
    assert error["code"] == "auth_failed"
    assert error["status"] == 401
    assert error["response"]["body"] == {"error": {"message": "bad key", "code": None}}
    assert "hint: check the API key" in result.stderr


def test_debug_prints_the_error_data_on_stderr(server: ScriptedServer, invoke) -> None:
    server.default = Reply(status=404, json={"error": {"message": "no such model"}})
    result = invoke("--debug", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 3
    assert '"code": "not_found"' in result.stderr
    assert result.stdout == ""


def test_connection_refused_exits_4() -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    args = ["--provider", "compatible", "--base-url", url, "--max-retries", "0"]
    result = CliRunner().invoke(cli, [*args, "chat", "--prompt", "hi", "--model", "m"])
    assert result.exit_code == 4
    assert result.stderr.startswith("error: ")


def test_no_configuration_says_what_to_set() -> None:
    result = CliRunner().invoke(cli, ["chat", "--prompt", "hi"])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert "OPENAI_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_profile_exits_2(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[connections.work]\nprovider = "compatible"\nbase_url = "http://x/v1"\n')
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--connection", "home", "chat", "--prompt", "hi"]
    )
    assert result.exit_code == 2
    assert "'home'" in result.stderr
    assert "work" in result.stderr


def test_profile_from_the_config_file_is_used(server: ScriptedServer, tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[connections.local]\nprovider = "compatible"\nbase_url = "{server.url}/v1"\n'
        'default_model = "local-model"\n'
    )
    server.default = Reply(json=chat_body())
    result = CliRunner().invoke(
        cli, ["--config", str(config), "-c", "local", "chat", "--prompt", "hi"]
    )
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["model"] == "local-model"


def test_flags_override_the_profile(server: ScriptedServer, tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[connections.local]\nprovider = "compatible"\nbase_url = "http://127.0.0.1:1/v1"\n'
    )
    server.default = Reply(json=chat_body())
    args = ["--config", str(config), "-c", "local", "--base-url", server.url + "/v1"]
    result = CliRunner().invoke(cli, [*args, "--default-model", "m", "chat", "--prompt", "hi"])
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["model"] == "m"


def test_warnings_are_one_line_on_stderr(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body())
    azure_looking_key = "0123456789abcdef0123456789abcdef"
    args = ["--base-url", server.url + "/v1", "--api-key", azure_looking_key]
    result = invoke(*args, "chat", "--prompt", "hi", "--model", "m", connect=False)
    assert result.exit_code == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1
    assert "Azure key" in warning[0]
    assert azure_looking_key not in result.stderr + result.stdout


def test_exit_codes_follow_the_error_tree() -> None:
    assert exit_code_for("invalid_input") == 2
    assert exit_code_for("secret_not_found") == 2
    assert exit_code_for("auth_failed") == 3
    assert exit_code_for("quota_exceeded") == 3
    assert exit_code_for("connection_error") == 4
    assert exit_code_for("timeout") == 4
    assert exit_code_for("something_new") == 3


def test_test_connection_without_configuration_says_what_to_set() -> None:
    result = CliRunner().invoke(cli, ["test-connection"])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr


def test_local_operation_needs_no_configuration(tmp_path) -> None:
    output = tmp_path / "train.jsonl"
    records = json.dumps([{"prompt": "a", "completion": "b"}])
    args = ["run", "jsonl.build", "--records", records, "--format", "completion"]
    result = CliRunner().invoke(cli, [*args, "--output", str(output)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(output.read_text()) == {"prompt": "a", "completion": "b"}
