"""Timing loops and table printing shared by the benchmark scripts.

Contenders are measured in interleaved rounds: every round times one batch of each
contender (in a rotating order), so a slow moment of a shared machine hits them all
alike. Each contender is warmed up first and its batch sized from the warm-up so one batch
takes about ``budget`` seconds. Values are medians over the rounds; the ratios the targets
use are medians of the per-round ratios (a contender against the reference of its round).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field


class Skip(Exception):
    """A contender that cannot run here (not installed); the reason is printed."""


@dataclass
class Entry:
    """One contender in a section: ``timed(n)`` runs n units and returns the seconds taken."""

    name: str
    timed: Callable[[int], float]
    warm_units: int
    min_units: int
    max_units: int | None = None
    """The batch every contender fast enough gets (a full batch may take 2x the budget)."""
    close: Callable[[], object] | None = None
    units: int = 0
    samples: list[float] = field(default_factory=list)
    """Seconds per unit, one per round."""


def interleaved(entries: Sequence[Entry], *, repeats: int, budget: float) -> None:
    """Warm up and size each entry, then time ``repeats`` rounds; fills ``entry.samples``."""
    for entry in entries:
        entry.timed(entry.warm_units)
        per_unit = entry.timed(entry.warm_units) / entry.warm_units
        if entry.max_units and entry.max_units * per_unit <= 2 * budget:
            entry.units = entry.max_units  # the same batch for all but the slow ones
        else:
            units = max(entry.min_units, int(budget / per_unit))
            entry.units = min(units, entry.max_units) if entry.max_units else units
    for round_number in range(repeats):
        shift = round_number % len(entries)
        for entry in [*entries[shift:], *entries[:shift]]:
            gc.collect()
            entry.samples.append(entry.timed(entry.units) / entry.units)


def paired_ratio(entry: Entry, reference: Entry) -> float:
    """Median over rounds of entry's seconds per unit divided by the reference's."""
    return statistics.median(a / b for a, b in zip(entry.samples, reference.samples, strict=True))


def sync_timer(call: Callable[[], object]) -> Callable[[int], float]:
    def timed(units: int) -> float:
        started = time.perf_counter()
        for _ in range(units):
            call()
        return time.perf_counter() - started

    return timed


async def run_gathered(
    call: Callable[[], Awaitable[object]], total: int, concurrency: int
) -> float:
    """Seconds for ``total`` calls through asyncio.gather, at most ``concurrency`` in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    return time.perf_counter() - started


def gathered_timer(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]], concurrency: int
) -> Callable[[int], float]:
    def timed(units: int) -> float:
        return loop.run_until_complete(run_gathered(call, units, concurrency))

    return timed


def sequential_timer(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]]
) -> Callable[[int], float]:
    async def run(units: int) -> float:
        started = time.perf_counter()
        for _ in range(units):
            await call()
        return time.perf_counter() - started

    def timed(units: int) -> float:
        return loop.run_until_complete(run(units))

    return timed


# ------------------------------------------------------------------------- the table


@dataclass
class Row:
    name: str
    value: float | None
    """In the section's unit; None when skipped or pending."""
    note: str = ""
    reference: bool = False
    """The openai-connector row the others are compared with."""


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


def render(sections: Sequence[Section]) -> str:
    """The tables: each contender's value and its ratio to openai-connector's."""
    lines: list[str] = []
    width = max(len(row.name) for section in sections for row in section.rows) + 2
    for section in sections:
        better = "higher" if section.higher_is_better else "lower"
        reference = next((r.value for r in section.rows if r.reference), None)
        lines.append(f"{section.title} ({section.unit}, {better} is better)")
        head = f"  {'contender':<{width}} {section.unit:>10}  {'ratio to openai-connector':>25}"
        lines.append(head)
        lines.append("  " + "-" * (len(head) - 2))
        for row in section.rows:
            shown = "-" if row.value is None else f"{row.value:,.{section.digits}f}"
            ratio = ""
            if row.value is not None and reference:
                ratio = f"{row.value / reference:.2f}x"
            note = f"  {row.note}" if row.note else ""
            lines.append(f"  {row.name:<{width}} {shown:>10}  {ratio:>25}{note}".rstrip())
        lines.append("")
    return "\n".join(lines)
