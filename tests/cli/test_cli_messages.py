"""Messages say what happened once, and --text never prints what is not a text."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from openai_connector.cli.main import cli
from scripted_server import Reply, ScriptedServer, chat_body


def test_a_status_repeated_as_the_code_is_said_once(server: ScriptedServer, invoke: Any) -> None:
    server.default = Reply(status=400, json={"error": {"message": "bad thing", "code": "400"}})
    result = invoke("chat", "-p", "hi", "-m", "m")
    assert result.exit_code == 3
    assert "HTTP 400: bad thing" in result.stderr
    assert "400 400" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--provider", "compatible"], ["--provider", "azure"], ["--base-url", "ftp://x"]],
)
def test_connection_errors_have_one_prefix(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "chat", "-p", "hi"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: connection: ")
    assert "connection: connection:" not in result.stderr


def test_text_is_refused_for_an_operation_without_text(server: ScriptedServer, invoke: Any) -> None:
    result = invoke("moderate", "--input", "x", "--text")
    assert result.exit_code == 2
    assert "--text: moderation.create answers with data" in result.stderr
    assert server.requests == []


def test_text_with_an_answer_without_text(server: ScriptedServer, invoke: Any) -> None:
    body = chat_body()
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "tool_calls": []}
    body["choices"][0]["finish_reason"] = "tool_calls"
    server.default = Reply(json=body)
    result = invoke("--text", "chat", "-p", "hi", "-m", "m")
    assert result.exit_code == 4
    assert "no text to print (finish_reason 'tool_calls')" in result.stderr
    assert result.stdout == ""


def test_text_with_a_chat_body_without_choices(server: ScriptedServer, invoke: Any) -> None:
    server.default = Reply(json={"id": "x"})
    result = invoke("--text", "chat", "-p", "hi", "-m", "m")
    assert result.exit_code == 4
    assert "no list of choices" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("stdin", ["\n", "", "  \t\n"])
def test_a_blank_prompt_from_stdin_is_refused(
    stdin: str, server: ScriptedServer, invoke: Any
) -> None:
    result = invoke("chat", "-p", "-", "-m", "m", stdin=stdin)
    assert result.exit_code == 2
    assert "prompt" in result.stderr
    assert server.requests == []


# ---------------------------------------------------------------- config files


def _run_with_config(path: Path | str) -> Any:
    env = {"OPENAI_API_KEY": "sk-test1234"}
    for ambient in ({}, env):  # configured by the environment or not: the same report
        result = CliRunner(env=ambient).invoke(cli, ["--config", str(path), "chat", "-p", "hi"])
        assert result.exit_code == 2, result.stderr
        assert "no connection is configured" not in result.stderr
    return result


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('default_connection = "a"\n[connections.a]\nprovider = compatible\n')
    result = _run_with_config(config)
    assert f"config file {config} is not valid TOML" in result.stderr
    assert "line 3" in result.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    result = _run_with_config(tmp_path / "nope.toml")
    assert "nope.toml does not exist" in result.stderr


def test_a_directory_as_config_file(tmp_path: Path) -> None:
    result = _run_with_config(tmp_path)
    assert "is a directory" in result.stderr


def test_unreadable_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0)
    if os.geteuid() == 0:  # root reads any file: refuse it the way the system would
        original = Path.read_text

        def refuse(self: Path, *args: Any, **kwargs: Any) -> str:
            if self == config:
                raise PermissionError(13, "Permission denied", str(self))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Path, "read_text", refuse)
    result = _run_with_config(config)
    assert f"config file {config} cannot be read: Permission denied" in result.stderr


def test_config_file_that_is_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'a = "\xff"\n')
    result = _run_with_config(config)
    assert "is not UTF-8" in result.stderr


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('secrets = "x"\n', "secrets: a [secrets] table expected"),
        ("default_connection = 3\n", "default_connection: a connection name expected"),
        ('connections = "x"\n', "[connections.NAME] tables expected"),
    ],
)
def test_config_file_of_the_wrong_shape(tmp_path: Path, text: str, said: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    result = _run_with_config(config)
    assert said in result.stderr


def test_text_of_a_download_written_to_a_file_is_its_path(
    server: ScriptedServer, invoke: Any, tmp_path: Path
) -> None:
    server.default = Reply(body=b"ID3 sound", headers={"content-type": "audio/mpeg"})
    output = tmp_path / "hello.mp3"
    args = ["run", "audio.speech", "--input", "Hello", "--voice", "alloy", "--model", "tts-1"]
    result = invoke("--text", *args, "--output", str(output))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{output}\n"
    assert output.read_bytes() == b"ID3 sound"
    result = invoke("--text", *args)  # no file: the bytes themselves, for a pipe
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b"ID3 sound"
