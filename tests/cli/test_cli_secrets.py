"""Secrets given as {{secrets.NAME}} are sent, and never printed, not even with --debug."""

from __future__ import annotations

from scripted_server import Recorded, Reply, ScriptedServer, chat_body

SECRET = "sk-planted-secret-4242"


def echo_auth(request: Recorded) -> Reply:
    """A server that repeats the credential it got, to prove the output is redacted."""
    return Reply(
        json=chat_body(f"you sent {request.headers.get('authorization')}"),
        headers={"x-echo": request.headers.get("authorization", "")},
    )


def test_secret_reference_is_sent_and_never_printed(server: ScriptedServer, invoke) -> None:
    server.default = echo_auth
    args = ["--provider", "compatible", "--base-url", server.url + "/v1"]
    result = invoke(
        *args,
        "--api-key",
        "{{secrets.MY_KEY}}",
        "--debug",
        "chat",
        "--prompt",
        "hi",
        "--model",
        "m",
        env={"MY_KEY": SECRET},
        connect=False,
    )
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr
    assert "you sent Bearer ***" in result.stdout
    assert "debug: request" in result.stderr
    assert "debug: response" in result.stderr


def test_literal_key_is_not_printed_in_errors_either(server: ScriptedServer, invoke) -> None:
    server.default = lambda request: Reply(
        status=401, json={"error": {"message": f"key {request.headers['authorization']} refused"}}
    )
    args = ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", SECRET]
    result = invoke(
        *args, "--json", "--debug", "chat", "--prompt", "hi", "--model", "m", connect=False
    )
    assert result.exit_code == 3
    assert "refused" in result.stdout
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr


def test_secret_in_streamed_text_is_redacted(server: ScriptedServer, invoke) -> None:
    from scripted_server import chat_chunks

    pieces = ["the key is ", SECRET[:3], SECRET[3:9], SECRET[9:], " - and sk- is not one"]
    server.default = Reply(events=chat_chunks(pieces))
    args = ["--provider", "compatible", "--base-url", server.url + "/v1"]
    result = invoke(
        *args,
        "--api-key",
        "{{secrets.MY_KEY}}",
        "chat",
        "--prompt",
        "hi",
        "--model",
        "m",
        "--stream",
        env={"MY_KEY": SECRET},
        connect=False,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "the key is *** - and sk- is not one\n"


def test_unknown_secret_exits_2_naming_it(server: ScriptedServer, invoke) -> None:
    args = ["--provider", "compatible", "--base-url", server.url + "/v1"]
    result = invoke(
        *args,
        "--api-key",
        "{{secrets.NOT_THERE}}",
        "chat",
        "--prompt",
        "hi",
        "--model",
        "m",
        connect=False,
    )
    assert result.exit_code == 2
    assert "NOT_THERE" in result.stderr
    assert server.requests == []


def test_secrets_file_from_the_config_file(server: ScriptedServer, invoke, tmp_path) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"FILE_KEY={SECRET}\n")
    config = tmp_path / "config.toml"
    config.write_text(f'[secrets]\nfile = "{secrets}"\n')
    server.default = echo_auth
    args = ["--config", str(config), "--provider", "compatible", "--base-url", server.url + "/v1"]
    result = invoke(
        *args,
        "--api-key",
        "{{secrets.FILE_KEY}}",
        "chat",
        "--prompt",
        "hi",
        "--model",
        "m",
        connect=False,
    )
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in result.stdout + result.stderr
