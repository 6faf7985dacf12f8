"""Every ``sh`` block of the README and the docs runs as written (tests/doc_shell.py says how
the reader's machine is rebuilt), one test per file, its blocks in order.

The README's two opening commands are the exception, each run elsewhere as written: the
first (install, then ``openai-connector serve``) by tests/test_readme_quickstart.py, the
second (``bash .ci/run``) is the command that runs this suite.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from doc_api import answer
from doc_blocks import ROOT, Block, blocks_of, doc_files, languages_of
from doc_shell import (
    DocRun,
    copy_of_the_repository,
    describe,
    free_port,
    prepared_venv,
    reader_environment,
)
from media_samples import wav
from scripted_server import ScriptedServer

BLOCK_TIMEOUT = 400.0
README_OPENING = 2
"""The README's opening commands: set-up, run by tests/test_readme_quickstart.py and CI."""
DOCS = [path for path in doc_files() if blocks_of(path)]


def runnable_blocks(path: Path) -> list[Block]:
    blocks = blocks_of(path)
    return blocks[README_OPENING:] if path == ROOT / "README.md" else blocks


@pytest.fixture(scope="session")
def doc_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared_venv(tmp_path_factory.mktemp("reader") / "venv")


@contextlib.contextmanager
def zeebe_gateway(needed: bool) -> Iterator[str]:
    if not needed:
        yield "127.0.0.1:1"  # nothing listens: a worker started anyway fails at once
        return
    sys.path.insert(0, str(ROOT / "tests" / "workflow"))
    from fake_zeebe_gateway import FakeGateway

    with FakeGateway() as gateway:
        yield gateway.address


def test_the_docs_hold_shell_blocks() -> None:
    readme = blocks_of(ROOT / "README.md")
    assert readme[0].lines[0].endswith(".venv/bin/openai-connector serve")
    assert readme[1].lines == ("bash .ci/run",)
    assert len(readme) > README_OPENING, "the README shows commands after the set-up"
    assert {p.relative_to(ROOT).as_posix() for p in DOCS} >= {"README.md", "docs/service.md"}
    for path in doc_files():  # another spelling would be skipped silently
        assert not languages_of(path) & {"bash", "shell", "console", "shell-session"}, path


def _reader_run(tmp_path: Path, server: ScriptedServer, venv: Path, zeebe: str) -> DocRun:
    server.default = answer
    home, run_dir = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    run_dir.mkdir()
    clone = copy_of_the_repository(tmp_path, venv)
    (clone / "talk.mp3").write_bytes(wav(b"\x00\x01" * 800))  # the recording service.md sends
    port = free_port()
    curlrc = f"connect-to = localhost:8080:127.0.0.1:{port}\n"
    curlrc += f"connect-to = 127.0.0.1:8080:127.0.0.1:{port}\nfail-with-body\nshow-error\n"
    (home / ".curlrc").write_text(curlrc)
    env = reader_environment(
        home,
        venv,
        OPENAI_API_KEY="sk-doc-test-1234",
        OPENAI_BASE_URL=server.url + "/v1",
        AZURE_OPENAI_ENDPOINT=server.url,
        AZURE_OPENAI_API_KEY="azure-doc-test-1234",
        OPENAI_CONNECTOR_HOST_MAP=f"api.openai.com={server.url}",
        OPENAI_CONNECTOR_PORT=str(port),
        ZEEBE_ADDRESS=zeebe,
        DB=f"sqlite:///{tmp_path / 'service.db'}",
    )
    return DocRun(clone, env, run_dir)


def _run_all(run: DocRun, blocks: list[Block]) -> list[str]:
    failures: list[str] = []
    try:
        for block in blocks:
            outcome = run.run(block, BLOCK_TIMEOUT)
            if outcome.status != 0:
                failures.append(describe(outcome))
    finally:
        failures += run.stop_long_running()
    return failures


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_commands_of_a_doc_run_as_written(
    doc: Path, server: ScriptedServer, tmp_path: Path, doc_venv: Path
) -> None:
    blocks = runnable_blocks(doc)
    needs_zeebe = any("openai-connector worker" in "\n".join(b.lines) for b in blocks)
    with zeebe_gateway(needs_zeebe) as zeebe:
        failures = _run_all(_reader_run(tmp_path, server, doc_venv, zeebe), blocks)
    assert not failures, "\n\n".join(failures)


@pytest.mark.timeout(300)
def test_a_failing_command_is_reported_with_its_place_and_output(
    server: ScriptedServer, tmp_path: Path, doc_venv: Path
) -> None:
    run = _reader_run(tmp_path, server, doc_venv, "127.0.0.1:1")
    broken = Block("docs/x.md", 10, ("true", "openai-connector nosuch \\", "  --flag", "echo no"))
    refused = Block(
        "docs/y.md",
        20,
        (
            "openai-connector serve   # runs until stopped",
            "curl -s localhost:8080/healthz",
            "curl -s localhost:8080/api/keys",
            "echo never",
        ),
    )
    failures = _run_all(run, [broken, refused])
    assert len(failures) == 2, failures
    assert failures[0].startswith("docs/x.md:11 (the sh block at docs/x.md:10) failed with exit")
    assert "$ openai-connector nosuch \\\n  --flag\n" in failures[0]
    assert "No such command 'nosuch'" in failures[0]
    assert "never" not in failures[0] + failures[1]
    # the service started, answered /healthz through the reader's localhost:8080 ...
    assert failures[1].startswith("docs/y.md:22 (the sh block at docs/y.md:20)"), failures[1]
    assert '{"status":"ok"}' in failures[1] and "web console: http://127.0.0.1:" in failures[1]
    # ... and an error status fails the command (curl -s alone would exit 0)
    assert "$ curl -s localhost:8080/api/keys\n" in failures[1]
    assert "The requested URL returned error: 401" in failures[1]
    assert run.long_running == [], "stopped"
