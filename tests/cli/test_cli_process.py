"""The installed command as a process: light start-up, and progress on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from scripted_server import Reply, ScriptedServer, chat_body

COMMAND = Path(sys.executable).with_name("openai-connector")


def test_cli_module_does_not_load_heavy_dependencies() -> None:
    code = (
        "import sys, openai_connector.cli.main as m; "
        "print(sorted(n for n in ('pydantic', 'aiohttp', 'urllib3', 'jmespath', "
        "'openai_connector.operations.registry') if n in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_help_answers() -> None:
    result = subprocess.run([COMMAND, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "test-connection" in result.stdout
    assert "Exit codes" in result.stdout


def _environment(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    return {**keep, "OPENAI_CONNECTOR_CONFIG": str(tmp_path / "none.toml")}


def test_progress_shows_on_a_terminal(server: ScriptedServer, tmp_path: Path) -> None:
    server.default = Reply(json=chat_body("ok"))
    args = ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", "sk-t1234"]
    run = ["run", "chat.create_many", "--model", "m", "--prompts", "a", "--prompts", "b"]
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [COMMAND, *args, *run],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=_environment(tmp_path),
            check=False,
            timeout=60,
        )
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["body"]["results"]) == 2
    terminal = seen.decode()
    assert "\r\x1b[K" in terminal
    assert "2/2 (100%)" in terminal


def test_no_progress_when_not_a_terminal(server: ScriptedServer, tmp_path: Path) -> None:
    server.default = Reply(json=chat_body("ok"))
    args = ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", "sk-t1234"]
    run = ["run", "chat.create_many", "--model", "m", "--prompts", "a"]
    result = subprocess.run(
        [COMMAND, *args, *run],
        capture_output=True,
        text=True,
        env=_environment(tmp_path),
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
