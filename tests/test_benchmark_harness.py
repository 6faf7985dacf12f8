"""The benchmark harness itself: its load shape, its raw event splitter, its targets, its plot."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import measure  # noqa: E402
import overhead  # noqa: E402
import peers  # noqa: E402
import plot  # noqa: E402
import stream_peers  # noqa: E402

from scripted_server import Reply, ScriptedServer, chat_body  # noqa: E402


def test_workers_keep_exactly_n_calls_in_flight_and_count_every_call() -> None:
    in_flight = 0
    most = 0
    finished = 0

    async def call() -> None:
        nonlocal in_flight, most, finished
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        finished += 1

    loop = asyncio.new_event_loop()
    try:
        calls, elapsed = measure.worker_rounds(loop, call, 8)(0.05)
        assert asyncio.all_tasks(loop) == set()
    finally:
        loop.close()
    assert most == 8
    assert calls == finished > 8
    assert in_flight == 0
    assert elapsed >= 0.05


def test_a_failing_contender_is_marked_and_the_others_still_run() -> None:
    def broken(seconds: float) -> tuple[int, float]:
        raise RuntimeError("refused")

    good = measure.Entry("good", measure.sync_rounds(lambda: None))
    bad = measure.Entry("bad", broken)
    measure.interleaved([bad, good], repeats=3, seconds=0.001, warm=0.001)
    assert bad.error == "failed: RuntimeError: refused"
    assert len(good.samples) == 3
    assert bad.samples == []


def test_raw_event_splitter_gives_the_same_text_wherever_the_chunks_break() -> None:
    events = [{"choices": [{"delta": {"content": word}}]} for word in ("a", "b", "c")]
    stream = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    stream += b"data: [DONE]\n\n"
    for size in (1, 7, 16, len(stream)):
        parts: list[str] = []
        buffer, done = b"", False
        for start in range(0, len(stream), size):
            buffer, done = stream_peers.split_events(buffer + stream[start : start + size], parts)
            if done:
                break
        assert (parts, done) == (["a", "b", "c"], True)


def _section(key: str, raw: str, ours: str, raw_runs: list[float], our_runs: list[float]) -> dict:
    higher = key == "async"
    section = measure.Section(
        key.title(), "calls/s" if higher else "ms/call", higher_is_better=higher
    )
    section.rows = [measure.median_row(raw, raw_runs), measure.median_row(ours, our_runs)]
    section.rows[1].reference = True
    return {key: section}


def test_targets_compare_the_medians_and_say_pass_or_fail() -> None:
    c = peers.CONNECTOR
    sections = {
        **_section("async", peers.RAW_ASYNC, f"{c} AsyncConnector.run", [100, 1, 100], [90] * 3),
        **_section("sync", peers.RAW_SYNC, f"{c} Connector.run", [1.0, 9.0, 1.0], [1.4] * 3),
    }
    checks = {text: (passed, figure) for text, passed, figure in overhead.targets(sections)}
    assert checks["async throughput >= 0.85x raw aiohttp"] == (True, "0.90x")
    assert checks["sync call <= 1.3x a raw HTTPConnectionPool"] == (False, "1.40x")


def test_plot_reads_the_table_the_harness_prints() -> None:
    c = peers.CONNECTOR
    sections = [
        *_section(
            "async", "raw aiohttp", f"{c} AsyncConnector.run", [2000, 2200], [1000, 1100]
        ).values(),
        *_section("sync", "raw urllib3", f"{c} Connector.run", [0.2, 0.2], [0.3, 0.3]).values(),
    ]
    text = f"```text\n{measure.render(sections)}```\n"
    groups = dict(plot.parse(text))
    assert groups["Async (calls/s)"] == [("raw aiohttp", 0.5), (f"{c} AsyncConnector.run", 1.0)]
    bars = dict(groups["Sync (ms/call)"])
    assert round(bars["raw urllib3"], 3) == 0.667


def test_the_floor_and_the_split_rows_make_the_real_call(server: ScriptedServer) -> None:
    """cpu_per_call.py's extra async rows send the benchmark's chat and read its answer, as
    the contenders do (a row that did less would flatter the floor)."""
    import cpu_per_call

    server.default = Reply(json=chat_body("the floor answered"))
    base = server.url + "/v1"

    async def each() -> list[object]:
        answers = []
        for factory in (peers.async_floor, cpu_per_call.transport_alone):
            call, close = await factory(base)
            answers.append(await call())
            await close()
        split, close = await cpu_per_call.transport_then_core(base)
        answers.append(await split())  # the stub's answer: the split ends with run()
        await close()
        return answers

    floor, alone, split = asyncio.run(each())
    assert floor == alone == "the floor answered"
    assert split == json.loads(cpu_per_call.BODY)["choices"][0]["message"]["content"]
    sent = [json.loads(request.body) for request in server.requests]
    assert [request.path for request in server.requests] == ["/v1/chat/completions"] * 3
    assert all(body["messages"][-1]["content"] == peers.PROMPT for body in sent)
    assert server.requests[0].headers["authorization"] == f"Bearer {peers.API_KEY}"
