"""CPU time per call of each face, next to the raw clients: a measure that holds on a busy
machine (other processes' work does not count in this process's CPU time).

Two settings, each contender measured in interleaved rounds (median shown, every round
listed):

- ``stub``: no network. The connector is given a transport that answers at once with the
  bytes nginx would send (a chat completion; the 500-event stream cut into 16 KiB pieces),
  so the figure is the connector's own work per call: validation, request building, the
  plan and its driver, the envelope, observers, streaming. No raw row (there is no client).
- ``nginx``: the private local nginx of ``overhead.py``; the figure is this process's CPU
  time (``time.process_time``) per call, for the raw baseline and for openai-connector, with
  the same load shapes as ``overhead.py`` (sync: one thread; async: 64 workers on one loop;
  streams: one after another). nginx's own CPU is not counted.
  The async section has a *floor* row too (``peers.async_floor``): only the input checked
  by the operation's pydantic model, orjson both ways and the same aiohttp session, with
  no retries, redaction, bounded decoding or usage: how close any connector could come to
  raw aiohttp on this machine. Two more rows split a call in two: the connector's own
  aiohttp transport alone, and that transport followed by ``AsyncConnector.run`` on the
  stub (compare with the ``stub`` figure: the core's work costs more between network
  callbacks than alone in a tight loop).

Only the public API and the transport seam (``transport=``, ``HttpResponse``) are used, so
the script measures any checkout: run it with that checkout's interpreter
(``../old/.venv/bin/python benchmarks/cpu_per_call.py``).

    python benchmarks/cpu_per_call.py                       # both settings, all faces
    python benchmarks/cpu_per_call.py --only stub --calls 20000
    python benchmarks/cpu_per_call.py --face sync --calls 2000 --rounds 1 --only stub
        # under valgrind --tool=callgrind --warm 200: instructions of N calls (subtract a
        # run with fewer calls)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import STREAM_CHUNKS, chat_completion, chat_event_stream

from openai_connector import AsyncConnector, Connector
from openai_connector.transport.request import HttpRequest, HttpResponse

PARAMS = {"model": "gpt-4o-mini", "prompt": "Say something about connectors."}
BASE = "http://127.0.0.1:9/v1"
KEY = "sk-bench-00000000000000000000"
PIECE = 16384
BODY = json.dumps(chat_completion(), separators=(",", ":")).encode()
STREAM = chat_event_stream()
JSON_HEADERS = {
    "server": "nginx/1.22.1",
    "date": "Mon, 30 Nov 2026 12:00:00 GMT",
    "content-type": "application/json",
    "content-length": str(len(BODY)),
    "connection": "keep-alive",
}
STREAM_HEADERS = {**JSON_HEADERS, "content-type": "text/event-stream"}
del STREAM_HEADERS["content-length"]
FACES = ("sync", "async", "stream", "stream-sync")
WARM = [0]
"""Warm-up calls per row (0: a tenth of a round's calls)."""


# ----------------------------------------------------------------------- stub transports


class _Stream:
    def __init__(self) -> None:
        self.status = 200
        self.headers = dict(STREAM_HEADERS)

    def _pieces(self) -> Iterator[bytes]:
        for start in range(0, len(STREAM), PIECE):
            yield STREAM[start : start + PIECE]


class StubSyncStream(_Stream):
    def chunks(self) -> Iterator[bytes]:
        return self._pieces()

    def read(self) -> bytes:
        return STREAM

    def close(self) -> None:
        return None


class StubAsyncStream(_Stream):
    async def chunks(self) -> AsyncIterator[bytes]:
        for piece in self._pieces():
            yield piece

    async def read(self) -> bytes:
        return STREAM

    async def close(self) -> None:
        return None


class StubSync:
    def send(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, dict(JSON_HEADERS), BODY)

    def open_stream(self, request: HttpRequest) -> StubSyncStream:
        return StubSyncStream()

    def close(self) -> None:
        return None


class StubAsync:
    async def send(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, dict(JSON_HEADERS), BODY)

    async def open_stream(self, request: HttpRequest) -> StubAsyncStream:
        return StubAsyncStream()

    async def aclose(self) -> None:
        return None


# ------------------------------------------------------------------------- contenders


def stub_sync_run() -> Callable[[], object]:
    connector = Connector(provider="compatible", base_url=BASE, api_key=KEY, transport=StubSync())
    return lambda: connector.run("chat.create", PARAMS).text


def stub_sync_stream() -> Callable[[], object]:
    connector = Connector(provider="compatible", base_url=BASE, api_key=KEY, transport=StubSync())

    def consume() -> int:
        return sum(1 for chunk in connector.stream("chat.create", PARAMS) if chunk.text)

    return consume


def stub_async_run() -> Callable[[], Awaitable[object]]:
    connector = AsyncConnector(
        provider="compatible", base_url=BASE, api_key=KEY, transport=StubAsync()
    )

    async def call() -> object:
        return (await connector.run("chat.create", PARAMS)).text

    return call


def stub_async_stream() -> Callable[[], Awaitable[object]]:
    connector = AsyncConnector(
        provider="compatible", base_url=BASE, api_key=KEY, transport=StubAsync()
    )

    async def consume() -> int:
        count = 0
        async for chunk in connector.stream("chat.create", PARAMS):
            if chunk.text:
                count += 1
        return count

    return consume


# ------------------------------------------------------------------------- measuring


async def transport_alone(base: str) -> tuple[Callable[[], Awaitable[object]], Any]:
    """openai-connector's aiohttp transport with a request built once (orjson-encoded, the
    connector's headers) and the answer decoded by orjson: what a call costs without the
    core."""
    import orjson
    from peers import HEADERS, REQUEST

    from openai_connector.transport.aio import AiohttpTransport

    transport = AiohttpTransport()
    url = base + "/chat/completions"
    content = orjson.dumps(REQUEST)
    headers = {**HEADERS, "user-agent": "openai-connector"}

    async def call() -> object:
        response = await transport.send(HttpRequest("POST", url, dict(headers), content))
        return orjson.loads(response.content)["choices"][0]["message"]["content"]

    return call, transport.aclose


async def transport_then_core(base: str) -> tuple[Callable[[], Awaitable[object]], Any]:
    """:func:`transport_alone`, then ``AsyncConnector.run`` on the stub transport, in turn:
    the same work as a real call, split in two. Its CPU per call, next to the two parts
    measured alone, shows how much dearer the core's work is when it runs between network
    callbacks in a busy loop than alone in a tight one (the ``stub`` setting)."""
    send, close = await transport_alone(base)
    core = stub_async_run()

    async def call() -> object:
        await send()
        return await core()

    return call, close


def cpu_sync(call: Callable[[], object], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        call()
    return time.process_time() - start


async def _sequential(call: Callable[[], Awaitable[object]], calls: int) -> None:
    for _ in range(calls):
        await call()


async def _workers(call: Callable[[], Awaitable[object]], calls: int, workers: int) -> None:
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(workers)))


def cpu_async(
    loop: asyncio.AbstractEventLoop,
    call: Callable[[], Awaitable[object]],
    calls: int,
    workers: int,
) -> float:
    start = time.process_time()
    if workers > 1:
        loop.run_until_complete(_workers(call, calls, workers))
    else:
        loop.run_until_complete(_sequential(call, calls))
    return time.process_time() - start


def measure(
    rows: dict[str, Callable[[int], float]], calls: int, rounds: int, unit: int
) -> dict[str, list[float]]:
    """Interleaved rounds: each row once per round, the order rotating; µs per unit."""
    names = list(rows)
    for name in names:
        rows[name](WARM[0] or max(1, calls // 10))  # warm-up: pools, caches, validators
    figures: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for name in order:
            figures[name].append(rows[name](calls) / (calls * unit) * 1e6)
    return figures


def show(title: str, figures: dict[str, list[float]]) -> None:
    print(title)
    reference = None
    for name, runs in figures.items():
        median = statistics.median(runs)
        if reference is None:
            reference = median
        every = " ".join(f"{run:.2f}" for run in runs)
        print(f"  {name:44} {median:9.2f}  {median / reference:5.2f}x   {every}")
    sys.stdout.flush()


def run_stub(faces: list[str], calls: int, rounds: int) -> None:
    loop = asyncio.new_event_loop()
    if "sync" in faces:
        call = stub_sync_run()
        show(
            "stub transport, Connector.run (µs CPU per call)",
            measure({"Connector.run": lambda n: cpu_sync(call, n)}, calls, rounds, 1),
        )
    if "async" in faces:
        acall = stub_async_run()
        show(
            "stub transport, AsyncConnector.run (µs CPU per call)",
            measure(
                {
                    "AsyncConnector.run, one after another": lambda n: cpu_async(loop, acall, n, 1),
                    "AsyncConnector.run, 64 workers": lambda n: cpu_async(loop, acall, n, 64),
                },
                calls,
                rounds,
                1,
            ),
        )
    stream_calls = max(1, calls // 100)
    if "stream" in faces:
        astream = stub_async_stream()
        show(
            "stub transport, AsyncConnector.stream (µs CPU per event)",
            measure(
                {"AsyncConnector.stream": lambda n: cpu_async(loop, astream, n, 1)},
                stream_calls,
                rounds,
                STREAM_CHUNKS,
            ),
        )
    if "stream-sync" in faces:
        sstream = stub_sync_stream()
        show(
            "stub transport, Connector.stream (µs CPU per event)",
            measure(
                {"Connector.stream": lambda n: cpu_sync(sstream, n)},
                stream_calls,
                rounds,
                STREAM_CHUNKS,
            ),
        )
    loop.close()


def run_nginx(faces: list[str], calls: int, rounds: int) -> None:
    from local_nginx import LocalNginx
    from peers import async_aiohttp, async_connector, async_floor, sync_connector, sync_urllib3
    from stream_peers import (
        stream_aiohttp,
        stream_connector,
        stream_connector_sync,
        stream_urllib3,
    )

    loop = asyncio.new_event_loop()
    closers: list[Callable[[], Any]] = []

    def make_async(factory: Any, base: str) -> Callable[[], Awaitable[object]]:
        call, close = loop.run_until_complete(factory(base))
        closers.append(lambda: loop.run_until_complete(close()))
        return call  # type: ignore[no-any-return]

    def timed(call: Callable[[], Awaitable[object]], workers: int) -> Callable[[int], float]:
        return lambda n: cpu_async(loop, call, n, workers)

    def make_sync(factory: Any, base: str) -> Callable[[], object]:
        call, close = factory(base)
        closers.append(close)
        return call  # type: ignore[no-any-return]

    with LocalNginx() as server:
        json_base, stream_base = server.json_base, server.stream_base
        if "sync" in faces:
            raw, ours = make_sync(sync_urllib3, json_base), make_sync(sync_connector, json_base)
            show(
                "nginx, sequential sync calls (µs CPU of this process per call)",
                measure(
                    {
                        "raw urllib3 (HTTPConnectionPool)": lambda n: cpu_sync(raw, n),
                        "openai-connector Connector.run": lambda n: cpu_sync(ours, n),
                    },
                    calls,
                    rounds,
                    1,
                ),
            )
        if "async" in faces:
            rows = (
                ("raw aiohttp (one ClientSession)", async_aiohttp),
                ("floor (validate, orjson, aiohttp, envelope)", async_floor),
                ("openai-connector AsyncConnector.run", async_connector),
                ("  our transport alone (request built once)", transport_alone),
                ("  our transport, then run() on the stub", transport_then_core),
            )
            show(
                "nginx, async calls, 64 workers (µs CPU of this process per call)",
                measure(
                    {name: timed(make_async(factory, json_base), 64) for name, factory in rows},
                    calls,
                    rounds,
                    1,
                ),
            )
        stream_calls = max(1, calls // 100)
        if "stream" in faces:
            streams = (
                ("raw aiohttp (chunks, split events)", stream_aiohttp),
                ("openai-connector AsyncConnector.stream", stream_connector),
            )
            show(
                "nginx, streamed chat, async (µs CPU per event)",
                measure(
                    {name: timed(make_async(factory, stream_base), 1) for name, factory in streams},
                    stream_calls,
                    rounds,
                    STREAM_CHUNKS,
                ),
            )
        if "stream-sync" in faces:
            yraw = make_sync(stream_urllib3, stream_base)
            yours = make_sync(stream_connector_sync, stream_base)
            show(
                "nginx, streamed chat, sync (µs CPU per event)",
                measure(
                    {
                        "raw urllib3 (read1, split events)": lambda n: cpu_sync(yraw, n),
                        "openai-connector Connector.stream": lambda n: cpu_sync(yours, n),
                    },
                    stream_calls,
                    rounds,
                    STREAM_CHUNKS,
                ),
            )
        for close in closers:
            close()
    loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="stub,nginx", help="stub, nginx or both")
    parser.add_argument("--face", default=",".join(FACES), help=", ".join(FACES))
    parser.add_argument("--calls", type=int, default=5000, help="calls per round (streams: /100)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=0, help="warm-up calls (default calls/10)")
    args = parser.parse_args(argv)
    faces = args.face.split(",")
    import openai_connector

    print(f"code: {Path(openai_connector.__file__).parent}  python: {sys.executable}")
    WARM[0] = args.warm
    settings = args.only.split(",")
    if "stub" in settings:
        run_stub(faces, args.calls, args.rounds)
    if "nginx" in settings:
        run_nginx(faces, args.calls, args.rounds)


if __name__ == "__main__":
    main()
