"""Fixed-time rounds, the async worker load, and the table printer shared by the benchmarks.

Every contender is measured in interleaved rounds of a fixed duration: each round runs every
contender once for about ``seconds`` (in a rotating order, so a slow moment of a shared
machine hits them all alike) and records its seconds per unit of work (a call, or a streamed
event). A contender's figure is the median of its rounds; the ratio between two contenders
is the ratio of their medians. The table shows every round, not only the median.

Load shapes, the same for every contender of a section:

- sync: one thread calls in a loop until the round's time is up;
- async: ``workers`` coroutines on one event loop, each awaiting one call after another
  until the round's time is up; the round ends when the last in-flight call has finished,
  and its figure is that time divided by the calls completed. No semaphore, no task per
  call: the harness adds as little as it can to every contender.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

RoundRunner = Callable[[float], tuple[int, float]]
"""Run for about the given seconds; return (units completed, seconds taken)."""


class Skip(Exception):
    """A contender that cannot run here (not installed); the reason is printed."""


@dataclass
class Entry:
    """One contender in a section."""

    name: str
    run_round: RoundRunner
    units_per_call: int = 1
    """Units in one call (a streamed call is 500 events)."""
    close: Callable[[], object] | None = None
    samples: list[float] = field(default_factory=list)
    """Seconds per unit, one per round."""
    calls: list[int] = field(default_factory=list)
    """Calls completed in each round."""
    error: str | None = None


def interleaved(entries: Sequence[Entry], *, repeats: int, seconds: float, warm: float) -> None:
    """Warm each entry up for ``warm`` seconds, then time ``repeats`` rounds of ``seconds``.

    An entry that raises is marked (``error``) and left out of the later rounds."""
    for entry in entries:
        _guarded(entry, warm, record=False)
    for round_number in range(repeats):
        shift = round_number % max(len(entries), 1)
        for entry in [*entries[shift:], *entries[:shift]]:
            if entry.error is None:
                gc.collect()
                _guarded(entry, seconds, record=True)


def _guarded(entry: Entry, seconds: float, *, record: bool) -> None:
    if entry.error is not None:
        return
    try:
        calls, elapsed = entry.run_round(seconds)
    except Exception as exc:  # reported in the table, not fatal to the other contenders
        entry.error = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
        return
    if record and calls:
        entry.calls.append(calls)
        entry.samples.append(elapsed / (calls * entry.units_per_call))


def sync_rounds(call: Callable[[], object]) -> RoundRunner:
    """Call in a loop, one after another, until the time is up."""

    def run_round(seconds: float) -> tuple[int, float]:
        calls = 0
        started = time.perf_counter()
        deadline = started + seconds
        while True:
            call()
            calls += 1
            now = time.perf_counter()
            if now >= deadline:
                return calls, now - started

    return run_round


async def run_workers(
    call: Callable[[], Awaitable[object]], workers: int, seconds: float
) -> tuple[int, float]:
    """``workers`` coroutines each calling in a loop for ``seconds``; (calls done, time)."""
    done = 0
    running = True

    async def worker() -> None:
        nonlocal done
        while running:
            await call()
            done += 1

    started = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    await asyncio.sleep(seconds)
    running = False
    for task in tasks:
        await task  # the calls in flight finish and count
    return done, time.perf_counter() - started


def worker_rounds(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]], workers: int
) -> RoundRunner:
    def run_round(seconds: float) -> tuple[int, float]:
        return loop.run_until_complete(run_workers(call, workers, seconds))

    return run_round


def sequential_rounds(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]]
) -> RoundRunner:
    """Await one call after another on one loop until the time is up (streams)."""

    async def run(seconds: float) -> tuple[int, float]:
        calls = 0
        started = time.perf_counter()
        deadline = started + seconds
        while True:
            await call()
            calls += 1
            now = time.perf_counter()
            if now >= deadline:
                return calls, now - started

    def run_round(seconds: float) -> tuple[int, float]:
        return loop.run_until_complete(run(seconds))

    return run_round


# ------------------------------------------------------------------------- the table


@dataclass
class Row:
    name: str
    value: float | None
    """The median of ``runs``, in the section's unit; None when skipped or failed."""
    note: str = ""
    reference: bool = False
    """The openai-connector row the others are compared with."""
    runs: list[float] = field(default_factory=list)
    """Every round's (or process's) figure, in the section's unit, in the order measured."""


@dataclass
class Section:
    title: str
    unit: str
    higher_is_better: bool
    digits: int = 2
    rows: list[Row] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)

    def value(self, name: str) -> float | None:
        for row in self.rows:
            if row.name == name:
                return row.value
        return None

    def row(self, name: str) -> Row | None:
        return next((row for row in self.rows if row.name == name), None)


def median_row(name: str, runs: list[float]) -> Row:
    return Row(name, statistics.median(runs) if runs else None, runs=runs)


def render(sections: Sequence[Section]) -> str:
    """The tables: each contender's median, its ratio to openai-connector's, every run."""
    lines: list[str] = []
    width = max(len(row.name) for section in sections for row in section.rows) + 2
    for section in sections:
        better = "higher" if section.higher_is_better else "lower"
        reference = next((r.value for r in section.rows if r.reference), None)
        lines.append(f"{section.title} ({section.unit}, {better} is better)")
        head = (
            f"  {'contender':<{width}} {'median':>10}  {'vs openai-connector':>19}"
            "  every run, in order"
        )
        lines.append(head)
        lines.append("  " + "-" * (len(head) - 2))
        for row in section.rows:
            shown = "-" if row.value is None else f"{row.value:,.{section.digits}f}"
            ratio = ""
            if row.value is not None and reference:
                ratio = f"{row.value / reference:.2f}x"
            runs = " ".join(f"{run:,.{section.digits}f}" for run in row.runs)
            note = f"  {row.note}" if row.note else ""
            lines.append(f"  {row.name:<{width}} {shown:>10}  {ratio:>19}  {runs}{note}".rstrip())
        lines.append("")
    return "\n".join(lines)
