"""Connection flags and environment variables reach the request."""

from __future__ import annotations

from click.testing import CliRunner

from openai_connector.cli.main import cli
from scripted_server import Reply, ScriptedServer, chat_body

AZURE_KEY = "0123456789abcdef0123456789abcdef"


def test_azure_flags(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    args = ["--provider", "azure", "--endpoint", server.url, "--api-key", AZURE_KEY]
    args += ["--api-version", "2024-06-01"]
    result = CliRunner().invoke(cli, [*args, "chat", "--prompt", "hi", "--model", "my-deploy"])
    assert result.exit_code == 0, result.stderr
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/my-deploy/chat/completions"
    assert sent.query == {"api-version": "2024-06-01"}
    assert sent.headers["api-key"] == AZURE_KEY
    assert AZURE_KEY not in result.stdout + result.stderr


def test_azure_is_chosen_when_only_azure_variables_are_set(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    env = {"AZURE_OPENAI_ENDPOINT": server.url, "AZURE_OPENAI_API_KEY": AZURE_KEY}
    result = CliRunner(env=env).invoke(cli, ["chat", "--prompt", "hi", "--model", "dep"])
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].path == "/openai/deployments/dep/chat/completions"


def test_openai_variables(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    env = {"OPENAI_BASE_URL": server.url + "/v1", "OPENAI_API_KEY": "sk-env-key-1234"}
    args = ["--organization", "org-1", "--project", "proj-1", "--default-model", "m"]
    result = CliRunner(env=env).invoke(cli, [*args, "chat", "--prompt", "hi"])
    assert result.exit_code == 0, result.stderr
    sent = server.requests[0]
    assert sent.headers["authorization"] == "Bearer sk-env-key-1234"
    assert sent.headers["openai-organization"] == "org-1"
    assert sent.headers["openai-project"] == "proj-1"
    assert sent.json["model"] == "m"


def test_max_retries_zero_sends_once(server: ScriptedServer, invoke) -> None:
    server.default = Reply(status=500, json={"error": {"message": "boom"}})
    result = invoke("--max-retries", "0", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 3
    assert len(server.requests) == 1


def test_timeout_is_a_transport_error(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body(), delay=2)
    result = invoke("--timeout", "0.2", "--max-retries", "0", "chat", "--prompt", "hi", "-m", "m")
    assert result.exit_code == 4
    assert "error:" in result.stderr


def test_bad_provider_is_a_usage_error(invoke) -> None:
    result = invoke("--provider", "anthropic", "chat", "--prompt", "hi", connect=False)
    assert result.exit_code == 2
    assert "--provider" in result.stderr
