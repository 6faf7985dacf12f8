"""The README's first command, as written, on a fresh clone: it installs the package with
its service and starts ``openai-connector serve`` on the embedded defaults, which prints
the console's address and the admin key, answers /healthz, and stops cleanly on Ctrl-C.

The clone is a copy of this repository; its ``.venv`` is prepared to see this test run's
packages (tests/doc_shell.py), so the command's own ``pip install -e '.[service]'`` runs
but downloads only the build backend. Only the port differs from a reader's machine
(``OPENAI_CONNECTOR_PORT``: tests run side by side); HOME is empty.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import pytest

from doc_blocks import ROOT, blocks_of
from doc_shell import copy_of_the_repository, free_port, prepared_venv, reader_environment

START_LIMIT = 300.0


def quickstart_command() -> str:
    (command,) = blocks_of(ROOT / "README.md")[0].lines
    return command


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def _get(url: str, key: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_quickstart_is_install_then_serve() -> None:
    command = quickstart_command()
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[service]'")
    assert command.endswith(" && .venv/bin/openai-connector serve")


@pytest.mark.timeout(600)
def test_the_readme_first_command_starts_the_service(tmp_path: Path) -> None:
    clone = copy_of_the_repository(tmp_path)
    prepared_venv(clone / ".venv")
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    env = reader_environment(home, clone / ".venv", OPENAI_CONNECTOR_PORT=str(port))
    outer_bin = str(Path(sys.executable).parent)
    env["PATH"] = ":".join(p for p in os.environ["PATH"].split(":") if p != outer_bin)
    del env["VIRTUAL_ENV"]  # a fresh shell: nothing activated
    process = subprocess.Popen(
        ["bash", "-c", quickstart_command()],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    printed: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []
    readers = [
        threading.Thread(target=_lines, args=(process.stdout, printed), daemon=True),
        threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True),
    ]
    for reader in readers:
        reader.start()
    lines: list[str] = []
    deadline = time.monotonic() + START_LIMIT
    try:
        while not any(line.startswith("admin key") for line in lines):
            line = printed.get(timeout=max(deadline - time.monotonic(), 0.1))
            assert line is not None, ("the command ended", lines, "".join(errors)[-4000:])
            lines.append(line)
        key = lines[-1].rsplit(" ", 1)[1]
        assert lines[-3:] == [
            f"web console: http://127.0.0.1:{port}/",
            f"API docs: http://127.0.0.1:{port}/docs",
            f"admin key (shown once, stored hashed): {key}",
        ]
        assert key.startswith("ocs_")
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "".join(errors)[-4000:]
                time.sleep(0.1)  # another process is starting: nothing to inject
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and b"<html" in page.lower()  # the console
        assert _get(f"http://127.0.0.1:{port}/api/keys", key)[0] == 200
        assert _get(f"http://127.0.0.1:{port}/api/keys")[0] == 401
        data = home / ".local" / "share" / "openai-connector"
        assert (data / "service.db").is_file(), "SQLite in the user's data directory"
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        finally:
            for reader in readers:
                reader.join(10)
            process.stdout.close()
            process.stderr.close()
    log = "".join(errors)
    assert "Shutting down" in log and "Finished server process" in log, log[-4000:]
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of it is left running
