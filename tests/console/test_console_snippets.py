"""The playground's "same call" snippets work: the curl, Python and CLI text shown in the
browser is run as it is (bash, this Python, the installed CLI) against the live service."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_page import Console
from live_service import add_scripted_connector
from playwright.sync_api import expect

from media_samples import wav
from multipart_form import FilePart, form_dict
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks

# Quotes, a shell variable, backticks and Python's words inside the prompt: all must arrive
# unchanged through each snippet's quoting.
PROMPT = 'It\'s "true" — null, false? $HOME `id` \\n done'
SPEECH = wav(bytes(range(0, 250, 2)) * 8)
BIN = Path(sys.executable).parent


@pytest.fixture
def provider(console: Console, server: ScriptedServer) -> Iterator[ScriptedServer]:
    if not console.service.has_run_api:
        pytest.skip("this service has no POST /api/connectors/{id}/execute route (the run API)")

    def answer(request: Recorded) -> Reply:
        if request.path.endswith("/chat/completions"):
            if request.json.get("stream"):
                return Reply(events=chat_chunks(["Forty", "-two"]))
            return Reply(json=chat_body("Hello from the scripted provider"))
        if request.path.endswith("/audio/transcriptions"):
            return Reply(json={"text": "heard it"})
        if request.path.endswith("/audio/speech"):
            return Reply(body=SPEECH, headers={"content-type": "audio/wav"})
        return Reply(status=404, json={"error": {"message": "no such route"}})

    server.default = answer
    add_scripted_connector(console.service, server.url)
    yield server


def _shell(console: Console, script: str, cwd: Path, **env: str) -> str:
    """Run a snippet as a user would: bash, the service key in $OPENAI_CONNECTOR_KEY, the
    project's Python and CLI first on PATH, no proxy, no user config."""
    if script.startswith("curl") and shutil.which("curl") is None:
        if os.environ.get("CI"):
            pytest.fail("curl is missing")
        pytest.skip("curl is not installed")
    environ = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(cwd),
        "OPENAI_CONNECTOR_KEY": console.service.admin_key,
        **env,
    }
    done = subprocess.run(
        ["bash", "-c", script],
        check=False,
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"{script}\n--- stderr:\n{done.stderr}\n--- stdout:\n{done.stdout}"
    return done.stdout


def _python(console: Console, script: str, cwd: Path) -> str:
    return _shell(console, f"python3 - <<'PYTHON'\n{script}\nPYTHON", cwd)


def _shown(console: Console) -> dict[str, str]:
    page = console.page
    return {
        kind: page.locator(f"pre.code-{kind}").text_content() or ""
        for kind in ("curl", "python", "cli")
    }


def _run_chat(console: Console, stream: bool) -> dict[str, str]:
    page = console.page
    console.go("Playground")
    page.get_by_label("Search operations").fill("chat completion")
    page.get_by_label("Operation", exact=True).select_option("chat.create")
    expect(page.get_by_role("heading", name="chat.create", level=2)).to_be_visible()
    page.get_by_label(re.compile(r"^prompt")).fill(PROMPT)
    page.get_by_label(re.compile(r"^max_tokens")).fill("7")
    page.get_by_label("Stream the answer").set_checked(stream)
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_label("Envelope")).to_contain_text('"status": 200')
    return _shown(console)


def _prompts(server: ScriptedServer) -> list[tuple[str, int, bool]]:
    """(prompt, max tokens, streamed) of each chat the provider got."""
    out = []
    for r in server.requests:
        if r.path.endswith("/chat/completions"):
            sent = r.json
            tokens = sent.get("max_tokens", sent.get("max_completion_tokens"))
            out.append((sent["messages"][-1]["content"], tokens, bool(sent.get("stream"))))
    return out


def test_the_chat_snippets_run_as_shown(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    console.sign_in()
    code = _run_chat(console, stream=False)
    assert _prompts(provider) == [(PROMPT, 7, False)]
    rows_before = len(console.service.store.usage.rows(limit=1000))

    answer = json.loads(_shell(console, code["curl"], tmp_path))
    assert answer["body"]["choices"][0]["message"]["content"] == "Hello from the scripted provider"
    answer = json.loads(_python(console, code["python"], tmp_path))
    assert answer["status"] == 200 and answer["meta"]["attempts"] == 1
    printed = json.loads(_shell(console, code["cli"], tmp_path))
    assert printed["body"]["choices"][0]["message"]["content"] == (
        "Hello from the scripted provider"
    )
    # each one sent the same chat through the service, on the same connector
    assert _prompts(provider) == [(PROMPT, 7, False)] * 4
    assert all(r.json["model"] == "gpt-4o-mini" for r in provider.requests)
    rows = console.service.store.usage.rows(limit=1000)
    assert len(rows) == rows_before + 3
    assert {r["connector"] for r in rows} == {"scripted"}


def test_the_streamed_chat_snippets_stream(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    console.sign_in()
    code = _run_chat(console, stream=True)
    for kind in ("curl", "python"):
        out = (
            _shell(console, code[kind], tmp_path)
            if kind == "curl"
            else _python(console, code[kind], tmp_path)
        )
        deltas = re.findall(r"^event: delta\ndata: (.*)$", out, re.M)
        assert "".join(json.loads(d)["text"] or "" for d in deltas) == "Forty-two", out
        assert "event: result" in out
    out = _shell(console, code["cli"], tmp_path)
    assert "Forty-two" in out
    assert _prompts(provider) == [(PROMPT, 7, True)] * 4


def test_the_upload_snippets_send_the_file(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    recording = tmp_path / "meeting notes.wav"  # a space: quoting matters here too
    recording.write_bytes(SPEECH)
    console.sign_in()
    page = console.page
    console.go("Playground")
    page.get_by_label("Search operations").fill("transcribe")
    page.get_by_label("Operation", exact=True).select_option("audio.transcribe")
    page.get_by_label("file (required)").set_input_files(str(recording))
    page.get_by_label(re.compile(r"^model")).fill("whisper-1")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_label("Envelope")).to_contain_text("heard it")
    code = _shown(console)
    assert json.loads(_shell(console, code["curl"], tmp_path))["body"] == {"text": "heard it"}
    assert json.loads(_python(console, code["python"], tmp_path))["body"] == {"text": "heard it"}
    assert json.loads(_shell(console, code["cli"], tmp_path))["body"] == {"text": "heard it"}
    sent = [r for r in provider.requests if r.path.endswith("/audio/transcriptions")]
    assert len(sent) == 4
    for request in sent:
        part = form_dict(request)["file"]
        assert isinstance(part, FilePart) and part.content == SPEECH
        assert form_dict(request)["model"] == "whisper-1"


def test_an_operation_the_gateway_does_not_serve_runs_on_the_provider(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    console.sign_in()
    page = console.page
    console.go("Playground")
    page.get_by_label("Search operations").fill("speech")
    page.get_by_label("Operation", exact=True).select_option("audio.speech")
    page.get_by_label(re.compile(r"^input")).fill("Hello there.")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("audio")).to_have_count(1)
    code = _shown(console)
    assert "provider's key in $OPENAI_API_KEY" in code["cli"]
    out = _shell(console, code["cli"], tmp_path, OPENAI_API_KEY="sk-provider-direct")
    assert out.strip()
    direct = [r for r in provider.requests if r.path.endswith("/audio/speech")][-1]
    assert direct.headers["authorization"] == "Bearer sk-provider-direct"
    assert direct.json["input"] == "Hello there."
