"""The example lines of the generated CLI reference (docs/cli.md) and the README's Python
example run as written, against the scripted server.

The commands are taken from the Markdown itself. Each runs in-process with OPENAI_BASE_URL
pointing at the scripted server (which answers every path as the API would) in a temporary
directory holding the files the examples name. The ``sh`` blocks of the README and of every
doc run in bash, as a reader would run them: tests/test_doc_commands.py.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from doc_api import answer
from openai_connector.cli.main import cli
from scripted_server import ScriptedServer

ROOT = Path(__file__).resolve().parent.parent


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", text, re.S | re.M)


def _join_continuations(text: str) -> list[str]:
    return [line.strip() for line in re.sub(r"\\\n\s*", " ", text).splitlines() if line.strip()]


def cli_reference_commands() -> list[str]:
    text = (ROOT / "docs" / "cli.md").read_text()
    examples = re.findall(r"^ {4}((?:openai-connector|echo) (?:[^\n]*\\\n)*[^\n]*)$", text, re.M)
    commands = [line for example in examples for line in _join_continuations(example)]
    commands += sorted(set(re.findall(r"openai-connector operations show [\w.]+", text)))
    return commands


@pytest.fixture
def api(server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    server.default = answer
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme-test-1234")
    monkeypatch.setenv("OPENAI_CONNECTOR_HOST_MAP", f"api.openai.com={server.url}")
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "train.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    return tmp_path


def run_as_written(command: str) -> Any:
    stdin = None
    if " | " in command:
        feeder, command = command.split(" | ", 1)
        words = shlex.split(feeder)
        assert words[0] == "echo", feeder
        stdin = " ".join(words[1:]) + "\n"
    words = shlex.split(command)
    assert words[0] in ("openai-connector", ".venv/bin/openai-connector"), command
    return CliRunner().invoke(cli, words[1:], input=stdin)


def test_the_markdown_holds_the_commands() -> None:
    assert len(cli_reference_commands()) >= 45


@pytest.mark.parametrize("command", cli_reference_commands())
def test_cli_reference_command(command: str, api: Path) -> None:
    result = run_as_written(command)
    assert result.exit_code == 0, (command, result.stdout, result.stderr)


def test_readme_text_examples_print_the_answer(api: Path) -> None:
    result = run_as_written('openai-connector chat --prompt "Summarise BPMN in one line" --text')
    assert result.stdout == "OK\n"


def test_readme_library_example(api: Path, server: ScriptedServer, capsys: Any) -> None:
    (code,) = _blocks((ROOT / "README.md").read_text(), "python")
    source = "\n".join(line.removeprefix("   ") for line in code.splitlines())
    exec(compile(source, "README.md", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out
    assert printed.startswith("200 OK")
    chats = [r for r in server.requests if r.method == "POST"]  # after GET /models
    assert [r.json["model"] for r in chats] == ["gpt-5-mini", "gpt-4o-mini", "gpt-5-mini"]
    keys = {r.headers["authorization"] for r in server.requests}
    assert keys == {"Bearer sk-readme-test-1234"}  # the environment's key, on both faces
