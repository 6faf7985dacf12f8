"""CPU time the core spends on one call, without any network: ``Core.prepare`` and
``Core.result`` for a chat completion.

Measured with ``time.process_time`` (CPU time of this process, so other work on a shared
machine does not count), over many iterations, best of several rounds.

    python benchmarks/core_cpu.py            # µs per prepare and per result
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import chat_completion

from openai_connector.connection import Connection
from openai_connector.core import Core
from openai_connector.transport.request import HttpResponse

PARAMS = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You answer in one sentence."},
        {"role": "user", "content": "Say what a connector does — in plain words, please."},
    ],
    "temperature": 0.2,
    "max_tokens": 64,
}


def best_of(rounds: int, iterations: int, call: Callable[[], object]) -> float:
    """The lowest CPU time per call (µs) over ``rounds`` runs of ``iterations`` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(iterations):
            call()
        best = min(best, (time.process_time() - start) / iterations)
    return best * 1e6


def main() -> None:
    core = Core(Connection(provider="openai", api_key="sk-bench-0000000000000000"))
    prepared = core.prepare("chat.create", PARAMS)
    body = json.dumps(chat_completion()).encode()
    response = HttpResponse(200, {"content-type": "application/json"}, body)
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = 7
    prepare = best_of(rounds, iterations, lambda: core.prepare("chat.create", PARAMS))
    result = best_of(rounds, iterations, lambda: core.result(prepared, response, 1, 0.0))
    print(f"Core.prepare  {prepare:7.2f} µs CPU per call (best of {rounds} x {iterations})")
    print(f"Core.result   {result:7.2f} µs CPU per call (best of {rounds} x {iterations})")


if __name__ == "__main__":
    main()
