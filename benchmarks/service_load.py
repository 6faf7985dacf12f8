"""The load generator of ``service.py``: a lean aiohttp client in its own process.

It reads one command per line on stdin, a JSON object
``{"url", "headers", "body", "workers", "seconds", "expect"}``, runs ``workers`` coroutines
on one event loop, each POSTing ``body`` to ``url`` one call after another for ``seconds``,
and answers one JSON line on stdout: ``{"calls", "elapsed", "latencies_ms", "errors",
"first_error"}``. Every contender gets the same client, the same connection pool (one
keep-alive connection per worker) and the same checks: status 200 and ``expect`` (bytes of
the answer's text) inside the body; a call that fails them counts as an error, not a call.

    python benchmarks/service_load.py    # driven by service.py, not by hand
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp


async def run_load(session: aiohttp.ClientSession, command: dict[str, Any]) -> dict[str, Any]:
    url: str = command["url"]
    headers: dict[str, str] = {"Content-Type": "application/json", **command["headers"]}
    body = json.dumps(command["body"]).encode()
    expect = command["expect"].encode()
    workers: int = command["workers"]
    seconds: float = command["seconds"]
    latencies: list[float] = []
    errors = 0
    first_error = ""
    running = True
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal errors, first_error
        while running:
            started = clock()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
            except aiohttp.ClientError as exc:
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
                continue
            if status != 200 or expect not in answer:
                errors += 1
                first_error = first_error or f"HTTP {status}: {answer[:200]!r}"
                continue
            latencies.append((clock() - started) * 1000.0)

    started = clock()
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    await asyncio.sleep(seconds)
    running = False
    await asyncio.gather(*tasks)  # the calls in flight finish and count
    elapsed = clock() - started
    return {
        "calls": len(latencies),
        "elapsed": elapsed,
        "latencies_ms": latencies,
        "errors": errors,
        "first_error": first_error,
    }


async def main() -> None:
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=300)
    async with aiohttp.ClientSession(connector=connector) as session:
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            answer = await run_load(session, json.loads(line))
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
