"""Run a document's ``sh`` blocks as written, in bash, as a reader would in their clone.

The reader's machine is rebuilt in a temporary directory:
- a copy of the repository (the clone) as the working directory, with a virtual environment
  activated whose ``pip install -e '.[extra]'`` really runs (the packages themselves come from
  the test run's own environment, so nothing is downloaded but the build backend);
- an empty HOME (the user's data and config directories inside it);
- the variables the docs tell the reader to set: ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``
  (an OpenAI-compatible server: the scripted one), ``AZURE_OPENAI_ENDPOINT`` and
  ``AZURE_OPENAI_API_KEY`` (the same server), ``OPENAI_CONNECTOR_HOST_MAP`` (api.openai.com
  to it), ``ZEEBE_ADDRESS`` (a fake Zeebe gateway), ``DB`` (a database URL), and ``KEY``:
  the admin key ``openai-connector serve`` printed;
- the service's address: ``serve`` listens on a free port (``OPENAI_CONNECTOR_PORT``) and
  ``~/.curlrc`` sends ``localhost:8080`` there; it also makes curl fail on an error status
  (``--fail-with-body``), so an example that the service refuses fails its test.

Blocks run in their order in the file, each in one bash with ``set -euo pipefail`` (a
reader pasting the lines would see the same first failure). ``openai-connector serve`` and
``openai-connector worker`` run in the background: the service until it answers /healthz,
the worker until it prints that it serves; they run for the rest of the file and are then
stopped with SIGTERM, as the docs say to stop them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from doc_blocks import LONG_RUNNING, ROOT, Block

SKIP_IN_COPY = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "__pycache__", "*.egg-info", ".*_cache", "prism", "wt-*"
)
OUTPUT_SHOWN = 4000
STOP_GRACE = 40.0
CLI = "openai_connector.cli.main"
START_LIMIT = 60.0

PRELUDE = r"""
set -euo pipefail
__doc_failed() { echo "$1 $2" > "$DOC_RUN/failed"; exit "$1"; }
trap '__doc_failed $? $LINENO' ERR
__doc_started() {  # pid kind log: wait until it serves, or fail
    local pid=$1 kind=$2 log=$3 waited=0
    echo "$pid $kind $log" >> "$DOC_RUN/long-running"
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "'$kind' ended instead of running; its output:"; cat "$log"; return 1
        fi
        if [[ $kind == serve ]]; then
            curl -q -sf "http://127.0.0.1:$OPENAI_CONNECTOR_PORT/healthz" >/dev/null && break
        elif grep -q "^worker: serving" "$log"; then
            break
        fi
        sleep 0.2; waited=$((waited + 1))
        if (( waited > 300 )); then echo "'$kind' did not start:"; cat "$log"; return 1; fi
    done
    cat "$log"
    if [[ $kind == serve ]] && grep -q "^admin key" "$log"; then
        KEY=$(sed -n 's/^admin key.*: //p' "$log"); export KEY
    fi
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_of_the_repository(into: Path, venv: Path | None = None) -> Path:
    """A fresh clone; given ``venv``, as after the README's first command (its ``.venv``)."""
    clone = into / "clone"
    shutil.copytree(ROOT, clone, ignore=SKIP_IN_COPY, symlinks=True)
    if venv is not None:
        (clone / ".venv").symlink_to(venv)
    return clone


def prepared_venv(where: Path, python: str = sys.executable) -> Path:
    """A virtual environment that sees this test run's packages (a ``.pth`` adds its
    site-packages after its own), so installing the project into it downloads nothing but
    the build backend; what it installs stays in it."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(where)], check=True)
    (site,) = where.glob("lib/python3*/site-packages")
    outer = sysconfig.get_paths()["purelib"]
    (site / "zz_test_run_packages.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    # the scripts an install makes (the README's first command made this one's)
    for name, module in (("pip", "pip._internal.cli.main"), ("openai-connector", CLI)):
        script = where / "bin" / name
        script.write_text(
            f"#!{where / 'bin' / 'python'}\nimport sys\n"
            f"from {module} import main\nsys.exit(main())\n"
        )
        script.chmod(0o755)
    return where


def reader_environment(home: Path, venv: Path, **variables: str) -> dict[str, str]:
    dropped = ("OPENAI_", "AZURE_", "XDG_", "VIRTUAL_ENV", "PYTHONPATH", "ZEEBE_", "CAMUNDA_")
    proxies = {"http_proxy", "https_proxy", "all_proxy"}
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(dropped) and name.lower() not in proxies
    }
    env.update(
        HOME=str(home),
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    # the shared specs and tools, next to the clone or named (README: ../shared/specs)
    shared = os.environ.get("OPENAI_CONNECTOR_SHARED") or str(ROOT.parent / "shared")
    if Path(shared).is_dir():
        env["OPENAI_CONNECTOR_SHARED"] = shared
    env.update(variables)
    return env


@dataclass
class Outcome:
    block: Block
    status: int
    output: str
    failed_line: int | None = None


@dataclass
class DocRun:
    """One document's blocks, in order, in one sandbox."""

    clone: Path
    env: dict[str, str]
    run_dir: Path
    long_running: list[tuple[int, str, Path]] = field(default_factory=list)

    def script_of(self, block: Block) -> tuple[str, list[int]]:
        """The bash script, and for each of its lines the block line it came from."""
        script = PRELUDE.strip("\n").splitlines()
        origin = [-1] * len(script)
        index = 0
        while index < len(block.lines):
            line = block.lines[index]
            if LONG_RUNNING.match(line):
                last = index
                while block.lines[last].rstrip().endswith("\\") and last + 1 < len(block.lines):
                    last += 1
                kind = LONG_RUNNING.match(line).group(1)  # type: ignore[union-attr]
                log = self.run_dir / f"{kind}-{block.line + index}.log"
                for part in range(index, last + 1):
                    text = block.lines[part]
                    if part == last:
                        text = f"{text.split(' #')[0].rstrip()} > {log} 2>&1 &"
                    script.append(text)
                    origin.append(part)
                script.append(f'__doc_started "$!" {kind} {log}')
                origin.append(last)
                index = last + 1
                continue
            script.append(line)
            origin.append(index)
            index += 1
        return "\n".join(script) + "\n", origin

    def run(self, block: Block, timeout: float) -> Outcome:
        script, origin = self.script_of(block)
        failed = self.run_dir / "failed"
        failed.unlink(missing_ok=True)
        env = dict(self.env, DOC_RUN=str(self.run_dir))
        try:
            done = subprocess.run(
                ["bash", "-c", script, "doc-block"],
                check=False,
                cwd=self.clone,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            output = exc.stdout if isinstance(exc.stdout, str) else ""
            return Outcome(block, -1, output + f"\n(still running after {timeout:.0f} s)")
        self._note_long_running()
        failed_line = None
        if failed.exists():
            _, script_line = failed.read_text().split()
            number = int(script_line) - 1
            failed_line = origin[number] if 0 <= number < len(origin) else None
        if done.returncode == 0:
            match = re.search(r"^admin key.*: (\S+)$", done.stdout, re.M)
            if match:
                self.env["KEY"] = match.group(1)
        return Outcome(block, done.returncode, done.stdout, failed_line)

    def _note_long_running(self) -> None:
        listed = self.run_dir / "long-running"
        if not listed.exists():
            return
        for entry in listed.read_text().splitlines():
            pid, kind, log = entry.split(" ", 2)
            item = (int(pid), kind, Path(log))
            if item not in self.long_running:
                self.long_running.append(item)

    def stop_long_running(self) -> list[str]:
        """SIGTERM each, as the docs say; what did not stop cleanly."""
        problems = []
        for pid, kind, log in self.long_running:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                problems.append(f"'{kind}' had already ended:\n{log.read_text()[-OUTPUT_SHOWN:]}")
                continue
            deadline = time.monotonic() + STOP_GRACE
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)  # another process: nothing to inject
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
                problems.append(f"'{kind}' did not stop on SIGTERM within {STOP_GRACE:.0f} s")
            elif kind == "serve" and "Finished server process" not in log.read_text():
                problems.append(f"'serve' did not shut down cleanly:\n{log.read_text()[-2000:]}")
        self.long_running.clear()
        return problems


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its parent, which is gone) counts as ended
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return False


def describe(outcome: Outcome) -> str:
    block = outcome.block
    if outcome.failed_line is not None:
        command = block.command_at(outcome.failed_line)
        where = f"{block.doc}:{block.line + outcome.failed_line}"
    else:
        command, where = "\n".join(block.lines), block.where
    output = outcome.output[-OUTPUT_SHOWN:]
    return (
        f"{where} (the sh block at {block.where}) failed with exit status {outcome.status}:\n"
        f"$ {command}\n{output}"
    )
