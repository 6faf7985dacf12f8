"""What used to reach users as "unexpected failure ... this is a bug": each has its exit code.

2 for bad input or configuration (before sending), 3 for a redirect, 4 for a malformed
answer, 141 (quietly) when standard output is closed early.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

COMMAND = Path(sys.executable).with_name("openai-connector")


def _environment(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    return {**keep, "OPENAI_CONNECTOR_CONFIG": str(tmp_path / "none.toml")}


def test_secrets_that_is_not_a_table_is_a_config_error(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('secrets = "x"\n')
    result = invoke("--config", str(config), "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 2, result.stderr
    assert "secrets: a [secrets] table expected" in result.stderr
    assert "unexpected" not in result.stderr
    assert server.requests == []


def test_a_secrets_file_that_is_not_utf8_is_a_config_error(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_bytes(b"KEY=\xff\xfe\n")
    config = tmp_path / "config.toml"
    config.write_text(f'[secrets]\nfile = "{secrets}"\n')
    args = ["--config", str(config), "--provider", "compatible", "--base-url", server.url + "/v1"]
    result = invoke(
        *args, "--api-key", "{{secrets.KEY}}", "chat", "-p", "hi", "--model", "m", connect=False
    )
    assert result.exit_code == 2, result.stderr
    assert f"secrets file {secrets} cannot be read: it is not UTF-8 text" in result.stderr
    assert server.requests == []


def test_a_secret_in_a_directory_that_is_not_utf8_is_a_config_error(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "KEY").write_bytes(b"\xff\xfe")
    config = tmp_path / "config.toml"
    config.write_text(f'[secrets]\ndirectory = "{folder}"\n')
    args = ["--config", str(config), "--provider", "compatible", "--base-url", server.url + "/v1"]
    result = invoke(
        *args, "--api-key", "{{secrets.KEY}}", "chat", "-p", "hi", "--model", "m", connect=False
    )
    assert result.exit_code == 2, result.stderr
    assert "secret file" in result.stderr and "not UTF-8 text" in result.stderr
    assert server.requests == []


def test_a_key_with_characters_http_cannot_carry_exits_2(server: ScriptedServer, invoke) -> None:
    args = ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", "sk-ключ"]
    result = invoke(*args, "chat", "-p", "hi", "--model", "m", connect=False)
    assert result.exit_code == 2, result.stderr
    assert "api_key: header values can only hold Latin-1 characters" in result.stderr
    assert "ключ" not in result.stderr
    assert server.requests == []


def test_a_nan_temperature_exits_2_asking_for_a_finite_number(
    server: ScriptedServer, invoke
) -> None:
    result = invoke("chat", "-p", "hi", "--model", "m", "--temperature", "nan")
    assert result.exit_code == 2
    assert "a finite number" in result.stderr
    assert server.requests == []


def test_a_malformed_stream_exits_4(server: ScriptedServer, invoke) -> None:
    bad = {"choices": [{"index": 30_000_000, "delta": {"content": "x"}}]}
    server.script(Reply(events=[*chat_chunks(["Hel"])[:2], bad]))
    result = invoke("chat", "-p", "hi", "--model", "m", "--stream")
    assert result.exit_code == 4, result.stderr
    assert "error: chat.create: the stream sent choices[0].index = 30000000" in result.stderr


def test_a_deeply_nested_answer_exits_4(server: ScriptedServer, invoke) -> None:
    server.script(Reply(body=b"[" * 50_000 + b"]" * 50_000))
    result = invoke("run", "models.list")
    assert result.exit_code == 4, result.stderr
    assert "nested more than 200 levels deep" in result.stderr


def test_a_redirect_exits_3_with_a_hint(server: ScriptedServer, invoke) -> None:
    server.script(Reply(301, json={}, headers={"location": "https://api.example.com/v1/x"}))
    result = invoke("chat", "-p", "hi", "--model", "m")
    assert result.exit_code == 3, result.stderr
    assert "redirects to https://api.example.com" in result.stderr
    assert "hint: set base_url to the final URL" in result.stderr


def test_an_argument_that_is_not_utf8_exits_2_naming_the_field(
    server: ScriptedServer, tmp_path: Path
) -> None:
    args = [b"--provider", b"compatible", b"--base-url", f"{server.url}/v1".encode()]
    run = [b"chat", b"--model", b"m", b"--prompt", b"caf\xe9"]  # Latin-1, not UTF-8
    result = subprocess.run(
        [os.fsencode(COMMAND), *args, b"--api-key", b"sk-t1234", *run],
        capture_output=True,
        env=_environment(tmp_path),
        check=False,
        timeout=60,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "chat.create: prompt: the text is not valid UTF-8" in stderr
    assert server.requests == []


def test_a_closed_standard_output_ends_quietly_with_141(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.default = Reply(json=chat_body("x" * 200_000))
    connect = ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", "sk-1"]
    for command in (
        [*connect, "chat", "--model", "m", "--prompt", "hi"],
        ["operations", "show", "chat.create"],
        ["operations"],
    ):
        reader, writer = os.pipe()
        os.close(reader)  # like `| head -c1` that has already left
        try:
            result = subprocess.run(
                [COMMAND, *command],
                stdout=writer,
                stderr=subprocess.PIPE,
                env=_environment(tmp_path),
                check=False,
                timeout=60,
            )
        finally:
            os.close(writer)
        assert result.returncode == 141, (command, result.stderr)
        assert result.stderr == b"", command


def test_deeply_nested_json_input_exits_2(server: ScriptedServer, invoke) -> None:
    deep = "[" * 5000 + "]" * 5000
    result = invoke("run", "raw.request", "--path", "/x", "--method", "POST", "--data", deep)
    assert result.exit_code == 2, result.stderr
    assert "nested more than 200 levels deep" in result.stderr
    assert server.requests == []
