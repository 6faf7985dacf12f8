"""How much openai-connector costs on top of raw HTTP, next to its peers, in one run.

Starts a private nginx on 127.0.0.1 (one worker) serving a static chat completion and a
500-event stream, then measures against it, in this one process, in interleaved rounds of a
fixed time (see measure.py):

- sequential sync calls (ms/call): raw urllib3 (the host's HTTPConnectionPool, and
  PoolManager.request for contrast), httpx, the openai SDK, LiteLLM, Connector.run
- async calls (calls/s) from 64 worker coroutines on one loop: raw aiohttp, httpx, the
  openai SDK (httpx and aiohttp transports), LiteLLM, AsyncConnector.run
- a streamed chat of 500 events (µs/event): raw aiohttp reading whole chunks and splitting
  events (and line by line, for contrast), the openai SDK, LiteLLM, AsyncConnector.stream;
  raw urllib3 (read1, split events) and Connector.stream
- a user's first call (s, fresh processes; see first_call.py)

and prints every round, each contender's median and ratio, then the targets of issue 7 as
PASS/FAIL (ratios of medians measured in this run). Exit status: 0 when every target
passes, 1 when one fails, 2 without nginx.

    python benchmarks/overhead.py                      # after: pip install -e '.[bench]' and nginx
    python benchmarks/overhead.py --quick              # a rough run in about 2 minutes
    python benchmarks/overhead.py --python OTHER/.venv/bin/python   # another install's code
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import first_call
import peers
import stream_peers
from fixtures import ANSWER, STREAM_CHUNKS, stream_words
from local_nginx import LocalNginx, NginxMissing
from measure import (
    Entry,
    Row,
    Section,
    Skip,
    interleaved,
    median_row,
    render,
    sequential_rounds,
    sync_rounds,
    worker_rounds,
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
        raise WrongAnswer(f"wrong stream: {count} events, text {text[:30]!r}")


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
    units = STREAM_CHUNKS if stream else 1
    return Entry(name, sync_rounds(call), units_per_call=units, close=close)


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
        return Entry(name, sequential_rounds(loop, call), STREAM_CHUNKS, close=closing)
    return Entry(name, worker_rounds(loop, call, args.workers), close=closing)


def run_section(
    section: Section,
    contenders: Sequence[tuple[str, Callable[[str], Any]]],
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
        except Exception as exc:  # a peer that fails or is missing is reported, not fatal
            rows[name] = Row(name, None, failed(exc))
    try:
        interleaved(entries, repeats=args.repeats, seconds=args.seconds, warm=args.warm)
    finally:
        for entry in entries:
            if entry.close is not None:
                entry.close()
    for entry in entries:
        if entry.samples and entry.error is None:
            rows[entry.name] = median_row(entry.name, [convert(s) for s in entry.samples])
            section.entries[entry.name] = entry
        else:
            rows[entry.name] = Row(entry.name, None, entry.error or "no round completed")
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
    title = f"Async calls, {args.workers} workers on one loop"
    section = Section(title, "calls/s", higher_is_better=True, digits=0)
    return run_section(
        section,
        peers.CONCURRENT,
        lambda name, factory: _async_entry(name, factory, base, args, stream=False),
        lambda seconds: 1 / seconds,
        args,
    )


def run_streams(base: str, args: argparse.Namespace) -> list[Section]:
    title = f"Streamed chat, {STREAM_CHUNKS} events, async"
    section = Section(title, "µs/event", higher_is_better=False, digits=2)
    run_section(
        section,
        stream_peers.STREAMS_ASYNC,
        lambda name, factory: _async_entry(name, factory, base, args, stream=True),
        lambda seconds: seconds * 1e6,
        args,
    )
    title = f"Streamed chat, {STREAM_CHUNKS} events, sync"
    sync_section = Section(title, "µs/event", higher_is_better=False, digits=2)
    run_section(
        sync_section,
        stream_peers.STREAMS_SYNC,
        lambda name, factory: _sync_entry(name, factory, base, stream=True),
        lambda seconds: seconds * 1e6,
        args,
    )
    return [section, sync_section]


# --------------------------------------------------------------------------- targets


def targets(sections: dict[str, Section]) -> list[tuple[str, bool | None, str]]:
    """(target, passed or None when not measured, the measured figure): ratios of medians."""
    checks: list[tuple[str, bool | None, str]] = []

    def ratio(key: str, raw_name: str, ours_name: str, limit: float, text: str) -> None:
        section = sections.get(key)
        if section is None:
            return
        raw, ours = section.value(raw_name), section.value(ours_name)
        if raw is None or ours is None:
            checks.append((text, None, "not measured"))
            return
        value = ours / raw  # in the section's unit: calls/s (higher) or time (lower)
        passed = value >= limit if section.higher_is_better else value <= limit
        checks.append((text, passed, f"{value:.2f}x"))

    c = peers.CONNECTOR
    ratio("async", peers.RAW_ASYNC, f"{c} AsyncConnector.run", 0.85,
          "async throughput >= 0.85x raw aiohttp")  # fmt: skip
    ratio("stream", stream_peers.RAW_STREAM, f"{c} AsyncConnector.stream", 1.2,
          "async stream <= 1.2x raw aiohttp per event")  # fmt: skip
    ratio("sync", peers.RAW_SYNC, f"{c} Connector.run", 1.3,
          "sync call <= 1.3x a raw HTTPConnectionPool")  # fmt: skip
    section = sections.get("first")
    if section is not None:
        text = "first call (chat process) <= 2x a raw urllib3 script"
        value = first_call.first_call_ratio(section)
        if value is None:
            checks.append((text, None, "not measured"))
        else:
            cpu = first_call.first_call_cpu_ratio()
            shown = f"{value:.2f}x" + ("" if cpu is None else f" (CPU time: {cpu:.2f}x)")
            checks.append((text, value <= 2.0, shown))
    return checks


def header(server: LocalNginx | None, args: argparse.Namespace) -> str:
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    import openai_connector

    lines = [
        "openai-connector overhead benchmark",
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()} ({sys.executable})",
        f"code: {Path(openai_connector.__file__).parent}",
        f"server: {server.version() if server else 'none'} (1 worker) on 127.0.0.1; "
        "client: this one process",
        "packages: " + ", ".join(versions),
        f"settings: {args.repeats} interleaved rounds of {args.seconds:g} s per contender "
        f"(after {args.warm:g} s of warm-up); the figure is the median round, ratios are "
        f"ratios of medians; async: {args.workers} worker coroutines calling in a loop; "
        f"stream: {STREAM_CHUNKS} content events + usage + [DONE]; first call: "
        f"{args.startup_runs} fresh processes",
        "",
    ]
    return "\n".join(lines)


SECTIONS = ("sync", "async", "stream", "first")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds per contender")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per round")
    parser.add_argument("--warm", type=float, default=1.0, help="seconds of warm-up each")
    parser.add_argument("--workers", type=int, default=64, help="async worker coroutines")
    parser.add_argument("--startup-runs", type=int, default=9, help="fresh processes each")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help="comma-separated: " + ", ".join(SECTIONS)
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds of 0.5 s (about 2 min)")
    parser.add_argument(
        "--python",
        metavar="INTERPRETER",
        help="run this harness with another interpreter (e.g. another checkout's "
        ".venv/bin/python): its openai_connector, its peers and its openai-connector command",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.seconds, args.warm, args.startup_runs = 3, 0.5, 0.3, 3
    return args


def _without_python(argv: list[str]) -> list[str]:
    rest: list[str] = []
    skip = False
    for arg in argv:
        if skip or arg.startswith("--python="):
            skip = False
            continue
        skip = arg == "--python"
        if not skip:
            rest.append(arg)
    return rest


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.python:
        rest = _without_python(argv)
        return subprocess.run([args.python, __file__, *rest], check=False).returncode
    wanted = {part.strip() for part in args.only.split(",")}
    sections: dict[str, Section] = {}
    try:
        server = LocalNginx()
    except NginxMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    with server:
        if "sync" in wanted:
            sections["sync"] = run_sync(server.json_base, args)
        if "async" in wanted:
            sections["async"] = run_concurrent(server.json_base, args)
        if "stream" in wanted:
            sections["stream"], sections["stream-sync"] = run_streams(server.stream_base, args)
        if "first" in wanted:
            progress("a user's first call")
            sections["first"] = first_call.run_first_call(server.json_base, args.startup_runs)
        print(header(server, args))
    order = ("sync", "async", "stream", "stream-sync", "first")
    print(render([sections[key] for key in order if key in sections]))
    checks = targets(sections)
    print("Targets (issue 7; ratios of the medians above, measured in this run)")
    for text, passed, figure in checks:
        verdict = {True: "PASS", False: "FAIL", None: "----"}[passed]
        print(f"  {verdict}  {text:<55} {figure}")
    return 1 if any(passed is False for _, passed, _ in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
