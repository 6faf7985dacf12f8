"""Every ``python`` block of docs/*.md runs as written (the README's is run by
tests/test_readme_commands.py): one fresh interpreter per file, its blocks in order, each in
a namespace of its own, in a folder holding a copy of examples/, with the variables the docs
say to set pointing at the scripted server on 127.0.0.1.

A block that is deliberately a fragment (a protocol, a call needing a running service) is a
``text`` block; a ``python`` block is a promise that it runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from doc_api import answer
from doc_blocks import ROOT, Block, blocks_of, languages_of
from doc_shell import reader_environment
from scripted_server import ScriptedServer

FILE_TIMEOUT = 120.0
DOCS = [path for path in sorted((ROOT / "docs").glob("*.md")) if blocks_of(path, "python")]

RUNNER = r"""
import json, sys, traceback

failures = []
for doc, line, source in json.loads(sys.argv[1]):
    code = "\n" * (line - 1) + source  # tracebacks name the doc's own lines
    try:
        exec(compile(code, doc, "exec"), {"__name__": "__doc_block__"})
    except BaseException:
        kind, error, tb = sys.exc_info()
        frames = [f for f in traceback.extract_tb(tb) if f.filename == doc]
        at = frames[-1].lineno if frames else line
        failures.append(
            f"{doc}:{at} (the python block at {doc}:{line}) failed:\n" + traceback.format_exc()
        )
sys.stdout.flush()
print("\0" + json.dumps(failures), end="")
"""


def run_blocks(blocks: list[Block], where: Path, env: dict[str, str]) -> list[str]:
    """Run the blocks in one fresh interpreter; the failures, each naming its file and line."""
    sources = [(b.doc, b.line, "\n".join(b.lines) + "\n") for b in blocks]
    try:
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, json.dumps(sources)],
            cwd=where,
            env=env,
            capture_output=True,
            text=True,
            timeout=FILE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        places = ", ".join(b.where for b in blocks)
        return [f"the python blocks at {places} did not end in {exc.timeout:.0f} s"]
    output, _, reported = done.stdout.rpartition("\0")
    if done.returncode != 0 or not reported:
        return [f"the interpreter exited with {done.returncode}:\n{done.stdout}{done.stderr}"]
    failures: list[str] = json.loads(reported)
    return [f"{failure}\noutput:\n{output}{done.stderr}" for failure in failures]


def reader_folder(tmp_path: Path, server: ScriptedServer) -> tuple[Path, dict[str, str]]:
    server.default = answer
    home, where = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    where.mkdir()
    shutil.copytree(ROOT / "examples", where / "examples")
    env = reader_environment(
        home,
        Path(sys.prefix),
        OPENAI_API_KEY="sk-doc-test-1234",
        OPENAI_BASE_URL=server.url + "/v1",
        OPENAI_CONNECTOR_HOST_MAP=f"api.openai.com={server.url}",
    )
    return where, env


def test_the_docs_hold_python_blocks() -> None:
    assert {p.relative_to(ROOT).as_posix() for p in DOCS} >= {"docs/observers.md"}
    for path in sorted((ROOT / "docs").glob("*.md")):  # another spelling would be skipped
        assert not languages_of(path) & {"py", "python3", "pycon"}, path


@pytest.mark.timeout(300)
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_python_of_a_doc_runs_as_written(
    doc: Path, server: ScriptedServer, tmp_path: Path
) -> None:
    where, env = reader_folder(tmp_path, server)
    failures = run_blocks(blocks_of(doc, "python"), where, env)
    assert not failures, "\n\n".join(failures)


def test_a_failing_block_is_reported_with_its_place_and_output(
    server: ScriptedServer, tmp_path: Path
) -> None:
    where, env = reader_folder(tmp_path, server)
    fine = Block("docs/x.md", 3, ("print('first block ran')",))
    broken = Block("docs/x.md", 10, ("x = 1", "print('before')", "x.nosuch", "print('never')"))
    failures = run_blocks([fine, broken, fine], where, env)
    assert len(failures) == 1, failures
    assert failures[0].startswith("docs/x.md:12 (the python block at docs/x.md:10) failed")
    assert "AttributeError" in failures[0] and "nosuch" in failures[0]
    assert "first block ran\nbefore\nfirst block ran" in failures[0]
    assert "never" not in failures[0]
