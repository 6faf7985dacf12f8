"""A user's first call: start-up plus one call, each run in a fresh process.

- ``openai-connector chat`` (the command next to the interpreter) against the local nginx,
  next to a raw urllib3 script that sends the same one POST and prints the text, and
  ``python -c pass``; wall time of the whole process;
- in-process stages, timed inside a fresh interpreter: ``import openai_connector``, the
  face's import (``from openai_connector import Connector``), building the connector, the
  first ``run`` and, for contrast, a second one;
- ``openai-connector --help``, ``import openai`` and ``import litellm``.

Each is run once untimed (it fills the bytecode cache), then ``runs`` times; every run is
shown, the figure is the median, the best is noted.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import peers
from fixtures import ANSWER, MODEL
from measure import Row, Section, Skip, median_row

CHAT = "openai-connector chat (whole process)"
RAW = "raw urllib3 script, one POST (whole process)"
HELP = "openai-connector --help (whole process)"
PASS = "python -c pass (interpreter alone)"

RAW_SCRIPT = """\
import json, sys, urllib3
url = urllib3.util.parse_url(sys.argv[1])
pool = urllib3.HTTPConnectionPool(url.host, url.port)
body = json.dumps({{"model": {model!r}, "messages": [{{"role": "user", "content": {prompt!r}}}]}})
response = pool.urlopen("POST", url.path + "/chat/completions", body=body.encode(),
                        headers={{"authorization": "Bearer {key}",
                                  "content-type": "application/json"}})
print(json.loads(response.data)["choices"][0]["message"]["content"])
"""

STAGES_SYNC = """\
import json, sys, time
t0 = time.perf_counter()
import openai_connector
t1 = time.perf_counter()
from openai_connector import Connector
t2 = time.perf_counter()
connector = Connector(provider="compatible", base_url=sys.argv[1], api_key={key!r})
t3 = time.perf_counter()
first = connector.run("chat.create", {params!r}).text
t4 = time.perf_counter()
second = connector.run("chat.create", {params!r}).text
t5 = time.perf_counter()
connector.close()
assert first == second == {answer!r}, first
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4]))
"""

STAGES_ASYNC = """\
import json, sys, time
t0 = time.perf_counter()
import openai_connector
t1 = time.perf_counter()
import asyncio
from openai_connector import AsyncConnector
t2 = time.perf_counter()

async def main():
    t2 = time.perf_counter()
    connector = AsyncConnector(provider="compatible", base_url=sys.argv[1], api_key={key!r})
    t3 = time.perf_counter()
    first = (await connector.run("chat.create", {params!r})).text
    t4 = time.perf_counter()
    second = (await connector.run("chat.create", {params!r})).text
    t5 = time.perf_counter()
    await connector.aclose()
    assert first == second == {answer!r}, first
    return [t3 - t2, t4 - t3, t5 - t4]

print(json.dumps([t1 - t0, t2 - t1, *asyncio.run(main())]))
"""

STAGE_NAMES = (
    "import openai_connector",
    "then the face's import",
    "then building the connector",
    "then the first run",
    "(a second run, for contrast)",
)


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # the untimed first run fills the bytecode cache, as an install does: a session that
    # writes none would compile every module of an editable install in every timed run
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system) of each whole-process run, by row name: less sensitive to a
busy machine than the wall time, shown next to it."""


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    command: list[str], env: dict[str, str], cpu: list[float] | None = None
) -> tuple[float, str]:
    before = _cpu_of_children()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if cpu is not None:
        cpu.append(_cpu_of_children() - before)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise RuntimeError(last[0][:100])
    return wall, done.stdout


def _walls(
    command: list[str], runs: int, env: dict[str, str], expect: str | None, name: str
) -> list[float]:
    walls: list[float] = []
    cpu = CPU.setdefault(name, [])
    for index in range(runs + 1):
        wall, out = _run(command, env, cpu if index else None)
        if expect is not None and out.strip() != expect:
            raise RuntimeError(f"wrong answer: {out.strip()[:40]!r}")
        if index:  # the first run fills the bytecode cache
            walls.append(wall)
    return walls


def _row(name: str, make: Any, *, reference: bool = False) -> Row:
    try:
        runs: list[float] = make()
    except Exception as exc:  # a missing command or peer is reported, not fatal
        return Row(name, None, str(exc) if isinstance(exc, Skip) else f"failed: {exc}"[:100])
    row = median_row(name, runs)
    row.note = f"best {min(runs):.3f}"
    if CPU.get(name):
        row.note += f"; CPU {statistics.median(CPU[name]):.3f} (median)"
    row.reference = reference
    return row


def cli_command() -> list[str] | None:
    script = Path(sys.executable).with_name("openai-connector")
    if script.exists():
        return [str(script)]
    found = shutil.which("openai-connector")
    return [found] if found else None


def _cli(arguments: list[str]) -> list[str]:
    cli = cli_command()
    if cli is None:
        raise RuntimeError("no openai-connector command next to this interpreter")
    return [*cli, *arguments]


def _stages(template: str, base: str, runs: int, env: dict[str, str]) -> list[list[float]]:
    code = template.format(key=peers.API_KEY, params=peers.CONNECTOR_PARAMS, answer=ANSWER)
    measured = []
    for index in range(runs + 1):
        _, out = _run([sys.executable, "-c", code, base], env)
        if index:
            measured.append(json.loads(out.strip().splitlines()[-1]))
    return measured


def run_first_call(base: str, runs: int) -> Section:
    env = _environment()
    section = Section(f"A user's first call, {runs} fresh processes", "s", False, digits=3)
    chat = [
        *("--provider", "compatible", "--base-url", base, "--api-key", peers.API_KEY),
        *("--text", "chat", "-p", peers.PROMPT, "-m", MODEL),
    ]
    raw = RAW_SCRIPT.format(model=MODEL, prompt=peers.PROMPT, key=peers.API_KEY)
    section.rows.append(
        _row(RAW, lambda: _walls([sys.executable, "-c", raw, base], runs, env, ANSWER, RAW))
    )
    section.rows.append(
        _row(CHAT, lambda: _walls(_cli(chat), runs, env, ANSWER, CHAT), reference=True)
    )
    for face, template in (("Connector", STAGES_SYNC), ("AsyncConnector", STAGES_ASYNC)):
        try:
            stages = _stages(template, base, runs, env)
        except Exception as exc:
            section.rows.append(Row(f"{face}: in-process stages", None, f"failed: {exc}"[:100]))
            continue
        totals = [sum(stage[:4]) for stage in stages]
        section.rows.append(_row(f"{face}: import + build + first run", lambda t=totals: t))
        for position, name in enumerate(STAGE_NAMES):
            runs_of_stage = [stage[position] for stage in stages]
            section.rows.append(_row(f"  {name}", lambda r=runs_of_stage: r))
    section.rows.append(_row(HELP, lambda: _walls(_cli(["--help"]), runs, env, None, HELP)))
    for module in ("openai", "litellm"):
        code = (
            f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        )

        def imported(module: str = module, code: str = code) -> list[float]:
            peers.need(module)
            return [float(_run([sys.executable, "-c", code], env)[1]) for _ in range(runs)]

        section.rows.append(_row(f"import {module} (in-process)", imported))
    python = _row(
        PASS,
        lambda: _walls([sys.executable, "-c", "pass"], runs, env, None, PASS),
    )
    section.rows.append(python)
    return section


def first_call_ratio(section: Section) -> float | None:
    """The chat process's median wall time over the raw script's."""
    chat, raw = section.value(CHAT), section.value(RAW)
    return None if chat is None or raw is None else chat / raw


def first_call_cpu_ratio() -> float | None:
    """The same with CPU time (user + system) instead of wall time."""
    chat, raw = CPU.get(CHAT), CPU.get(RAW)
    if not chat or not raw:
        return None
    return statistics.median(chat) / statistics.median(raw)
