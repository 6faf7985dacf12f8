"""chat.create_many over 10,000 prompts at concurrency 64, next to raw aiohttp, in one run.

Starts the private nginx of ``local_nginx.py`` (a static chat completion on 127.0.0.1) and
measures, in this process, interleaved, best-of-N medians:

- raw aiohttp: the same 10,000 POSTs (the body chat.create sends) through one session
  from 64 worker coroutines, each taking the next prompt until none is left (no semaphore,
  no task per prompt), each answer parsed as JSON;
- ``AsyncConnector.run("chat.create_many", ...)`` with ``concurrency`` 64, results kept;
- the same with ``output`` (a JSON Lines file), and from the sync ``Connector``.

Then, each in a fresh interpreter, the peak memory of chat.create_many for 1,000 and for
10,000 prompts, with the results written to a file and (for contrast) kept in memory:
tracemalloc's peak above what was allocated before the call (the prompts themselves are
made before it), and the process's peak resident set size (VmHWM).

    python benchmarks/create_many.py            # nginx and aiohttp needed
    python benchmarks/create_many.py --quick    # fewer prompts, one repeat
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import ANSWER, MODEL
from local_nginx import LocalNginx, NginxMissing

KEY = "sk-bench-0000000000000000"
CONCURRENCY = 64


def make_prompts(count: int) -> list[str]:
    return [
        f"Question {i}: what does the connector send, and what comes back?" for i in range(count)
    ]


# ---------------------------------------------------------------------- contenders


async def raw_aiohttp(base: str, prompts: list[str], concurrency: int) -> float:
    """``concurrency`` worker coroutines, each taking the next prompt until none is left."""
    import aiohttp

    url = base + "/chat/completions"
    headers = {"authorization": f"Bearer {KEY}"}
    pending = iter(prompts)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            for prompt in pending:
                body = {"model": MODEL, "messages": [{"role": "user", "content": prompt}]}
                async with session.post(url, json=body, headers=headers) as response:
                    answer = await response.json()
                    if answer["choices"][0]["message"]["content"] != ANSWER:
                        raise RuntimeError("raw aiohttp: wrong answer")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def _check(result: Any, count: int) -> None:
    body = result.body
    if body["total"] != count or body["failed"]:
        raise RuntimeError(f"chat.create_many: {body['failed']} of {body['total']} failed")
    if (
        "results" in body
        and body["results"][-1]["body"]["choices"][0]["message"]["content"] != ANSWER
    ):
        raise RuntimeError("chat.create_many: wrong answer")


def _params(prompts: list[str], concurrency: int, output: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"model": MODEL, "prompts": prompts, "concurrency": concurrency}
    if output:
        params["output"] = output
    return params


async def connector_async(
    base: str, prompts: list[str], concurrency: int, output: str | None = None
) -> float:
    from openai_connector import AsyncConnector

    if output:
        Path(output).unlink(missing_ok=True)  # outputs are not overwritten unless asked
    async with AsyncConnector(provider="compatible", base_url=base, api_key=KEY) as connector:
        started = time.perf_counter()
        result = await connector.run("chat.create_many", _params(prompts, concurrency, output))
        elapsed = time.perf_counter() - started
    _check(result, len(prompts))
    return elapsed


def connector_sync(base: str, prompts: list[str], concurrency: int) -> float:
    from openai_connector import Connector

    with Connector(provider="compatible", base_url=base, api_key=KEY) as connector:
        started = time.perf_counter()
        result = connector.run("chat.create_many", _params(prompts, concurrency, None))
        elapsed = time.perf_counter() - started
    _check(result, len(prompts))
    return elapsed


# ------------------------------------------------------------------------ throughput


def throughput(base: str, count: int, repeats: int, folder: Path) -> list[tuple[str, float]]:
    """(contender, prompts per second), medians of ``repeats`` interleaved rounds."""
    prompts = make_prompts(count)
    output = str(folder / "answers.jsonl")
    contenders: dict[str, Callable[[], Awaitable[float] | float]] = {
        "raw aiohttp, 64 workers": lambda: raw_aiohttp(base, prompts, CONCURRENCY),
        "AsyncConnector chat.create_many": lambda: connector_async(base, prompts, CONCURRENCY),
        "  ... with output=answers.jsonl": lambda: connector_async(
            base, prompts, CONCURRENCY, output
        ),
        "Connector (sync) chat.create_many": lambda: connector_sync(base, prompts, CONCURRENCY),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    warm = make_prompts(500)
    asyncio.run(raw_aiohttp(base, warm, CONCURRENCY))
    asyncio.run(connector_async(base, warm, CONCURRENCY))
    for _ in range(repeats):
        for name, run in contenders.items():
            outcome = run()
            elapsed = asyncio.run(outcome) if asyncio.iscoroutine(outcome) else outcome
            assert isinstance(elapsed, float)
            times[name].append(elapsed)
            print(f"  {name.strip():<36} {count / elapsed:10,.0f} prompts/s", file=sys.stderr)
    return [(name, count / statistics.median(values)) for name, values in times.items()]


# ---------------------------------------------------------------------------- memory


def peak_rss_mib() -> float:
    """This process's peak resident set size: VmHWM on Linux (ru_maxrss elsewhere; on Linux
    it would include the RSS of the parent that started this interpreter)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def memory_child(base: str, count: int, to_file: bool) -> dict[str, float]:
    """Runs in a fresh interpreter: one plain run for peak RSS, one under tracemalloc."""
    from openai_connector.operations import registry

    registry.operations()  # import every operation module before measuring
    asyncio.run(connector_async(base, make_prompts(200), CONCURRENCY))  # warm up
    prompts = make_prompts(count)
    with tempfile.TemporaryDirectory() as folder:
        output = str(Path(folder) / "answers.jsonl") if to_file else None
        asyncio.run(connector_async(base, prompts, CONCURRENCY, output))
        max_rss = peak_rss_mib()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        asyncio.run(connector_async(base, prompts, CONCURRENCY, output))
        peak = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
    return {"peak_mib": peak / 2**20, "max_rss_mib": max_rss}


def memory(base: str, sizes: list[int]) -> list[tuple[str, int, dict[str, float]]]:
    rows = []
    for mode in ("file", "memory"):
        for count in sizes:
            done = subprocess.run(
                [sys.executable, __file__, "--memory-child", base, str(count), mode],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            rows.append((mode, count, json.loads(done.stdout.strip().splitlines()[-1])))
    return rows


# ---------------------------------------------------------------------------- report


def report(
    count: int, speeds: list[tuple[str, float]], memories: list[tuple[str, int, dict[str, float]]]
) -> str:
    raw = speeds[0][1]
    width = max(len(name) for name, _ in speeds) + 2
    lines = [
        f"chat.create_many: {count:,} prompts, concurrency {CONCURRENCY}, local nginx "
        "(prompts/s, higher is better)",
        f"  {'contender':<{width}} {'prompts/s':>10}  {'ratio to raw aiohttp':>20}",
        "  " + "-" * (width + 34),
    ]
    for name, speed in speeds:
        lines.append(f"  {name:<{width}} {speed:>10,.0f}  {speed / raw:>19.2f}x")
    lines += [
        "",
        "chat.create_many peak memory (fresh interpreter per row)",
        f"  {'results':<18} {'prompts':>8}  {'tracemalloc peak':>16}  {'peak RSS':>9}",
        "  " + "-" * 58,
    ]
    first: dict[str, dict[str, float]] = {}
    for mode, size, figures in memories:
        label = "to a .jsonl file" if mode == "file" else "kept in memory"
        base = first.setdefault(mode, figures)
        growth = "" if base is figures else f"  x{figures['peak_mib'] / base['peak_mib']:.1f} peak"
        lines.append(
            f"  {label:<18} {size:>8,}  {figures['peak_mib']:>13.1f} MiB  "
            f"{figures['max_rss_mib']:>5.0f} MiB{growth}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 prompts, one repeat")
    parser.add_argument("--memory-child", nargs=3, metavar=("BASE", "COUNT", "MODE"))
    args = parser.parse_args(argv)
    if args.memory_child:
        base, count, mode = args.memory_child
        print(json.dumps(memory_child(base, int(count), mode == "file")))
        return 0
    count, repeats = (2_000, 1) if args.quick else (args.prompts, args.repeats)
    try:
        server = LocalNginx()
    except NginxMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    with server, tempfile.TemporaryDirectory() as folder:
        speeds = throughput(server.json_base, count, repeats, Path(folder))
        sizes = [count // 10, count]
        memories = memory(server.json_base, sizes)
    print(report(count, speeds, memories))
    return 0


if __name__ == "__main__":
    sys.exit(main())
