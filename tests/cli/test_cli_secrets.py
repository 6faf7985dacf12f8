"""Secrets given as {{secrets.NAME}} are sent, and never printed, not even with --debug."""

from __future__ import annotations

import json

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


# ------------------------------------------------- secrets in the shapes users and servers give


def chat(*args: str) -> list[str]:
    return [*args, "chat", "--prompt", "hi", "--model", "m"]


def base(server: ScriptedServer) -> list[str]:
    return ["--provider", "compatible", "--base-url", server.url + "/v1"]


def test_a_key_with_a_trailing_newline_works_from_a_flag_and_the_environment(
    server: ScriptedServer, invoke
) -> None:
    server.default = Reply(json=chat_body("fine"))
    flag = invoke(*chat(*base(server), "--api-key", SECRET + "\n"), connect=False)
    env = invoke(*chat(*base(server)), env={"OPENAI_API_KEY": SECRET + "\r\n"}, connect=False)
    assert (flag.exit_code, env.exit_code) == (0, 0), flag.stderr + env.stderr
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {SECRET}"] * 2


def test_a_key_with_an_inner_line_break_exits_2_naming_the_setting(
    server: ScriptedServer, invoke
) -> None:
    broken = SECRET[:8] + "\n" + SECRET[8:]
    result = invoke(*chat(*base(server), "--api-key", broken, "--debug"), connect=False)
    assert result.exit_code == 2
    assert "api_key" in result.stderr
    assert SECRET[8:] not in result.stdout + result.stderr
    assert SECRET[:8] not in result.stdout + result.stderr
    assert server.requests == []


def test_an_escaped_echo_is_redacted_in_stdout_and_debug(server: ScriptedServer, invoke) -> None:
    go = json.dumps(SECRET)[1:-1].replace("-", "\\u002d")
    body = json.dumps(chat_body("TEXT")).replace("TEXT", f"said {go}")
    server.default = Reply(body=body.encode(), headers={"content-type": "application/json"})
    result = invoke(*chat(*base(server), "--api-key", SECRET, "--json", "--debug"), connect=False)
    assert result.exit_code == 0, result.stderr
    shown = result.stdout + result.stderr
    assert SECRET not in shown and "planted" not in shown and "u002d" not in shown
    assert json.loads(result.stdout)["body"]["choices"][0]["message"]["content"] == "said ***"


def test_a_short_key_keeps_stdout_valid_json_with_its_numbers(
    server: ScriptedServer, invoke
) -> None:
    body = chat_body("pin 4242")
    body["created"] = 1424242
    body["rate_limit"] = 4242
    server.default = Reply(json=body)
    result = invoke(*chat(*base(server), "--api-key", "4242", "--json", "--debug"), connect=False)
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)["body"]
    assert shown["created"] == 1424242 and shown["rate_limit"] == 4242
    assert shown["choices"][0]["message"]["content"] == "pin ***"
    assert '"created": 1424242' in result.stderr  # the debug dump keeps numbers too
    assert '"content": "pin ***"' in result.stderr


def test_base_url_userinfo_is_sent_as_basic_auth_and_never_printed(
    server: ScriptedServer, invoke
) -> None:
    import base64

    server.default = lambda r: Reply(json=chat_body(f"got {r.headers['authorization']}"))
    url = server.url.replace("http://", "http://alice:pw-Userinfo-55@") + "/v1"
    result = invoke(
        *chat("--provider", "compatible", "--base-url", url, "--debug", "--json"), connect=False
    )
    assert result.exit_code == 0, result.stderr
    credentials = base64.b64encode(b"alice:pw-Userinfo-55").decode()
    assert server.requests[0].headers["authorization"] == f"Basic {credentials}"
    shown = result.stdout + result.stderr
    assert "pw-Userinfo" not in shown and credentials not in shown
    assert "alice:***@" in result.stderr  # the connection as --debug shows it


def test_literal_header_keys_and_header_name_echoes_stay_out_of_debug(
    server: ScriptedServer, invoke, tmp_path
) -> None:
    literal = "literal-header-key-808"
    config = tmp_path / "config.toml"
    config.write_text(
        "[connections.c]\n"
        'provider = "compatible"\n'
        f'base_url = "{server.url}/v1"\n'
        f'headers = {{"x-api-key" = "{literal}"}}\n',
        encoding="utf-8",
    )
    server.default = lambda r: Reply(
        json=chat_body("ok"), headers={f"X-Echo-{r.headers['x-api-key']}": "1"}
    )
    result = invoke(
        *chat("--config", str(config), "--connection", "c", "--debug", "--json"), connect=False
    )
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].headers["x-api-key"] == literal
    shown = result.stdout + result.stderr
    assert literal not in shown and "header-key" not in shown
    assert '"x-api-key": "***"' in result.stderr
    assert "x-echo-***" in result.stdout
