"""How much openai-connector costs on top of raw HTTP, next to its peers, in one run.

Starts a private nginx on 127.0.0.1 (one worker) serving a static chat completion and a
500-chunk event stream, then measures against it, in this one process:

- sequential sync calls (ms/call): raw urllib3, httpx, the openai SDK, LiteLLM, Connector.run
- 64 concurrent async calls (calls/s): raw aiohttp, httpx, the openai SDK (httpx and aiohttp
  transports), LiteLLM, AsyncConnector.run
- a streamed chat of 500 chunks (µs/chunk): raw aiohttp / urllib3, the openai SDK, LiteLLM,
  AsyncConnector.stream and Connector.stream
- start-up (s): ``import openai_connector``, ``openai-connector --help``, ``import openai``,
  ``import litellm`` (fresh interpreters, best of several)

and prints a table with each peer's ratio to openai-connector, then the targets of issue 2
as pass/fail. Exit status: 0 when every target passes, 1 when one fails, 2 without nginx.

    python benchmarks/overhead.py            # after: pip install -e '.[bench]' and nginx
    python benchmarks/overhead.py --quick    # a rough run in about a minute
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers
from fixtures import ANSWER, STREAM_CHUNKS, stream_words
from local_nginx import LocalNginx, NginxMissing
from measure import (
    Entry,
    Row,
    Section,
    Skip,
    gathered_timer,
    interleaved,
    paired_ratio,
    render,
    sequential_timer,
    sync_timer,
)

STREAM_TEXT = "".join(stream_words())
PACKAGES = ("openai-connector", "aiohttp", "urllib3", "pydantic", "httpx", "openai", "litellm")


class WrongAnswer(Exception):
    pass


def check_answer(text: object) -> None:
    if text != ANSWER:
        raise WrongAnswer(f"wrong answer: {str(text)[:40]!r}")


def check_stream(outcome: tuple[int, str]) -> None:
    count, text = outcome
    if count != STREAM_CHUNKS or text != STREAM_TEXT:
        raise WrongAnswer(f"wrong stream: {count} chunks, text {text[:30]!r}")


def failed(exc: BaseException) -> str:
    if isinstance(exc, Skip | WrongAnswer):
        return str(exc)
    return f"failed: {type(exc).__name__}: {str(exc)[:80]}"


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------- sections


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a contender left running (e.g. logging workers), then close its loop."""
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def _sync_entry(name: str, factory: Callable[[str], Any], base: str, stream: bool) -> Entry:
    call, close = factory(base)
    try:
        first = call()
        check_stream(first) if stream else check_answer(first)
    except BaseException:
        close()
        raise
    if stream:
        return Entry(name, sync_timer(call), warm_units=5, min_units=3, close=close)
    return Entry(name, sync_timer(call), warm_units=50, min_units=20, close=close)


def _async_entry(
    name: str, factory: Callable[[str], Any], base: str, args: argparse.Namespace, stream: bool
) -> Entry:
    loop = asyncio.new_event_loop()
    try:
        call, close = loop.run_until_complete(factory(base))
        first = loop.run_until_complete(call())
        check_stream(first) if stream else check_answer(first)
    except BaseException:
        _close_loop(loop)
        raise

    def closing() -> None:
        try:
            loop.run_until_complete(close())
        finally:
            _close_loop(loop)

    if stream:
        timed = sequential_timer(loop, call)
        return Entry(name, timed, warm_units=5, min_units=3, close=closing)
    timed = gathered_timer(loop, call, args.concurrency)
    warm = max(4 * args.concurrency, 256)
    return Entry(name, timed, warm, min_units=10 * args.concurrency, max_units=args.calls,
                 close=closing)  # fmt: skip


def run_section(
    section: Section,
    contenders: list[tuple[str, Callable[[str], Any]]],
    make: Callable[[str, Callable[[str], Any]], Entry],
    convert: Callable[[float], float],
    args: argparse.Namespace,
) -> Section:
    """Set every contender up, time them in interleaved rounds, fill the section's rows."""
    entries: list[Entry] = []
    rows: dict[str, Row] = {}
    for name, factory in contenders:
        progress(f"{section.title}: {name}")
        try:
            entries.append(make(name, factory))
            rows[name] = Row(name, None)
        except Exception as exc:  # a peer that fails or is missing is reported, not fatal
            rows[name] = Row(name, None, failed(exc))
    try:
        interleaved(entries, repeats=args.repeats, budget=args.budget)
    finally:
        for entry in entries:
            if entry.close is not None:
                entry.close()
    for entry in entries:
        row = rows[entry.name]
        row.value = convert(statistics.median(entry.samples))
        section.entries[entry.name] = entry
    for name, _ in contenders:
        row = rows[name]
        row.reference = name.startswith(peers.CONNECTOR)
        section.rows.append(row)
    return section


def run_sync(base: str, args: argparse.Namespace) -> Section:
    section = Section("Sequential sync calls", "ms/call", higher_is_better=False, digits=3)
    return run_section(
        section,
        peers.SYNC,
        lambda name, factory: _sync_entry(name, factory, base, stream=False),
        lambda seconds: seconds * 1e3,
        args,
    )


def run_concurrent(base: str, args: argparse.Namespace) -> Section:
    title = f"{args.concurrency} concurrent async calls"
    section = Section(title, "calls/s", higher_is_better=True, digits=0)
    run_section(
        section,
        peers.CONCURRENT,
        lambda name, factory: _async_entry(name, factory, base, args, stream=False),
        lambda seconds: 1 / seconds,
        args,
    )
    for row in section.rows:
        entry = section.entries.get(row.name)
        if entry is not None and entry.units != args.calls:
            row.note = f"({entry.units:,} calls per batch)"
    return section


def run_streams(base: str, args: argparse.Namespace) -> list[Section]:
    per_chunk = 1e6 / STREAM_CHUNKS
    title = f"Streamed chat, {STREAM_CHUNKS} chunks, async"
    section = Section(title, "µs/chunk", higher_is_better=False, digits=1)
    run_section(
        section,
        peers.STREAMS_ASYNC,
        lambda name, factory: _async_entry(name, factory, base, args, stream=True),
        lambda seconds: seconds * per_chunk,
        args,
    )
    title = f"Streamed chat, {STREAM_CHUNKS} chunks, sync"
    sync_section = Section(title, "µs/chunk", higher_is_better=False, digits=1)
    run_section(
        sync_section,
        peers.STREAMS_SYNC,
        lambda name, factory: _sync_entry(name, factory, base, stream=True),
        lambda seconds: seconds * per_chunk,
        args,
    )
    return [section, sync_section]


# -------------------------------------------------------------------------- start-up

HELP = "openai-connector --help (whole process)"
IMPORT_SNIPPET = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"


def _best(command: list[str], times: int, env: dict[str, str], timed_inside: bool) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
        best = min(best, float(done.stdout.strip().splitlines()[-1]) if timed_inside else wall)
    return best


def cli_command() -> list[str] | None:
    script = Path(sys.executable).with_name("openai-connector")
    if script.exists():
        return [str(script)]
    found = shutil.which("openai-connector")
    return [found] if found else None


def run_startup(args: argparse.Namespace) -> Section:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    times = args.startup_runs
    section = Section(f"Start-up, best of {times}", "s", higher_is_better=False, digits=3)
    imports = [
        ("import openai_connector", "import openai_connector", None),
        (
            f"{peers.CONNECTOR} library (Connector, AsyncConnector)",
            "from openai_connector import Connector, AsyncConnector",
            None,
        ),
        ("import openai", "import openai", "openai"),
        ("import litellm", "import litellm", "litellm"),
    ]
    for name, statement, module in imports:
        progress(name)
        try:
            if module:
                peers.need(module)
            command = [sys.executable, "-c", IMPORT_SNIPPET.format(statement=statement)]
            row = Row(name, _best(command, times, env, timed_inside=True))
        except Exception as exc:
            row = Row(name, None, failed(exc))
        row.reference = statement.startswith("from openai_connector")
        section.rows.append(row)
    progress("openai-connector --help")
    cli = cli_command()
    try:
        if cli is None:
            raise RuntimeError("no openai-connector command")
        row = Row(HELP, _best([*cli, "--help"], times, env, timed_inside=False))
    except Exception as exc:
        row = Row(HELP, None, f"pending: {exc}"[:90])
    section.rows.append(row)
    baseline = _best([sys.executable, "-c", "pass"], times, env, timed_inside=False)
    section.rows.append(Row("python -c pass (interpreter alone)", baseline))
    return section


# --------------------------------------------------------------------------- targets


def targets(sections: dict[str, Section]) -> list[tuple[str, bool | None, str]]:
    """(target, passed or None when not measured, the measured figure)."""
    checks: list[tuple[str, bool | None, str]] = []

    def ratio(key: str, raw_name: str, ours_name: str, limit: float, text: str) -> None:
        section = sections.get(key)
        if section is None:
            return
        raw, ours = section.entries.get(raw_name), section.entries.get(ours_name)
        if raw is None or ours is None:
            checks.append((text, None, "not measured"))
            return
        cost = paired_ratio(ours, raw)  # our time per unit / raw's, median over rounds
        if section.higher_is_better:
            checks.append((text, 1 / cost >= limit, f"{1 / cost:.2f}x"))
        else:
            checks.append((text, cost <= limit, f"{cost:.2f}x"))

    c = peers.CONNECTOR
    ratio("async", peers.CONCURRENT[0][0], f"{c} AsyncConnector.run", 0.8,
          "async throughput >= 0.8x raw aiohttp")  # fmt: skip
    ratio("sync", peers.SYNC[0][0], f"{c} Connector.run", 1.5,
          "sequential sync call <= 1.5x raw urllib3's time")  # fmt: skip
    ratio("stream", peers.STREAMS_ASYNC[0][0], f"{c} AsyncConnector.stream", 1.5,
          "streaming <= 1.5x raw aiohttp per chunk")  # fmt: skip
    startup = sections.get("startup")
    if startup is not None:
        for name, limit, text in (
            ("import openai_connector", 0.15, "import openai_connector < 0.15 s"),
            (HELP, 0.4, "openai-connector --help < 0.4 s"),
        ):
            value = startup.value(name)
            if value is None:
                checks.append((text, None, "pending"))
            else:
                checks.append((text, value < limit, f"{value:.3f} s"))
    return checks


def header(server: LocalNginx | None, args: argparse.Namespace) -> str:
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    lines = [
        "openai-connector overhead benchmark",
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        f"server: {server.version() if server else 'none'} (1 worker) on 127.0.0.1; "
        "client: this one process",
        "packages: " + ", ".join(versions),
        f"settings: median of {args.repeats} repeats; async: {args.calls:,} calls per batch, "
        f"{args.concurrency} in flight; stream: {STREAM_CHUNKS} chunks + usage + [DONE]",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="batches per contender (median)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per batch (about)")
    parser.add_argument("--calls", type=int, default=5000, help="async calls per batch")
    parser.add_argument("--concurrency", type=int, default=64, help="async calls in flight")
    parser.add_argument("--startup-runs", type=int, default=7, help="fresh interpreters each")
    parser.add_argument(
        "--only",
        default="sync,async,stream,startup",
        help="comma-separated sections: sync, async, stream, startup",
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.budget, args.calls, args.startup_runs = 3, 0.3, 2000, 3
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = {part.strip() for part in args.only.split(",")}
    sections: dict[str, Section] = {}
    server: LocalNginx | None = None
    try:
        if wanted & {"sync", "async", "stream"}:
            try:
                server = LocalNginx()
            except NginxMissing as exc:
                print(exc, file=sys.stderr)
                return 2
            server.start()
        if "startup" in wanted:
            sections["startup"] = run_startup(args)
        if server is not None and "sync" in wanted:
            sections["sync"] = run_sync(server.json_base, args)
        if server is not None and "async" in wanted:
            sections["async"] = run_concurrent(server.json_base, args)
        if server is not None and "stream" in wanted:
            sections["stream"], sections["stream-sync"] = run_streams(server.stream_base, args)
        print(header(server, args))
    finally:
        if server is not None:
            server.stop()
    order = ("sync", "async", "stream", "stream-sync", "startup")
    print(render([sections[key] for key in order if key in sections]))
    checks = targets(sections)
    print("Targets (issue 2)")
    for text, passed, figure in checks:
        verdict = {True: "PASS", False: "FAIL", None: "----"}[passed]
        print(f"  {verdict}  {text:<50} {figure}")
    return 1 if any(passed is False for _, passed, _ in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
