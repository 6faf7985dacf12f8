"""Every command README.md and docs/cli.md show runs as written, against the scripted server.

The commands are taken from the Markdown itself: the fenced ``sh`` blocks of the README and
the example lines of the generated CLI reference. Each runs in-process with
OPENAI_BASE_URL pointing at the scripted server (which answers every path as the API would)
in a temporary directory holding the files the examples name. The README's Python example
runs too. Steps that install (``python3 -m venv``, ``pip install``, ``bash .ci/run``) are the
setup of this very test run and are not repeated.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from openai_connector.cli.main import cli
from scripted_server import Recorded, Reply, ScriptedServer, chat_body

ROOT = Path(__file__).resolve().parent.parent
INSTALL_STEPS = ("python3 -m venv", ".venv/bin/pip", "pip install", "bash .ci/run")


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", text, re.S | re.M)


def _join_continuations(text: str) -> list[str]:
    return [line.strip() for line in re.sub(r"\\\n\s*", " ", text).splitlines() if line.strip()]


def readme_commands() -> list[str]:
    commands = []
    for block in _blocks((ROOT / "README.md").read_text(), "sh"):
        for line in _join_continuations(block):
            for step in line.split(" && "):
                if not step.startswith(INSTALL_STEPS):
                    commands.append(step)
    return commands


def cli_reference_commands() -> list[str]:
    text = (ROOT / "docs" / "cli.md").read_text()
    examples = re.findall(r"^ {4}((?:openai-connector|echo) (?:[^\n]*\\\n)*[^\n]*)$", text, re.M)
    commands = [line for example in examples for line in _join_continuations(example)]
    commands += sorted(set(re.findall(r"openai-connector operations show [\w.]+", text)))
    return commands


def _answer(request: Recorded) -> Reply:
    """What the API would answer, by path."""
    path = request.path.removeprefix("/v1")
    json_sent = "json" in request.headers.get("content-type", "")
    body: Any = request.json if json_sent else {}
    if path == "/models":
        return Reply(json={"object": "list", "data": [{"id": "gpt-5-mini", "object": "model"}]})
    if path == "/chat/completions" and body.get("stream"):
        delta = {"choices": [{"index": 0, "delta": {"content": "OK"}, "finish_reason": None}]}
        return Reply(events=[delta], headers={"content-type": "text/event-stream"})
    if path == "/chat/completions":
        return Reply(json=chat_body("OK", model=body.get("model", "gpt-5-mini")))
    if path == "/moderations":
        return Reply(json={"id": "modr-1", "model": "omni", "results": [{"flagged": False}]})
    if path == "/embeddings":
        vector = {"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}
        return Reply(json={"object": "list", "data": [vector], "model": "m"})
    if path == "/files":
        return Reply(json={"id": "file-1", "object": "file", "purpose": "fine-tune"})
    return Reply(status=404, json={"error": {"message": f"no {path}", "code": "not_found"}})


@pytest.fixture
def api(server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    server.default = _answer
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
    assert '.venv/bin/openai-connector chat --prompt "Say hello in five words"' in readme_commands()
    assert len(readme_commands()) >= 8
    assert len(cli_reference_commands()) >= 45


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command(command: str, api: Path, server: ScriptedServer) -> None:
    result = run_as_written(command)
    assert result.exit_code == 0, (command, result.stdout, result.stderr)
    offline = ("operations", "templates export")  # commands that call no API
    assert server.requests or any(word in command for word in offline), command


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
