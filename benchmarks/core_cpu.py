"""CPU time the core spends on one call, without any network: ``Core.prepare`` and
``Core.result`` for a chat completion, and the parts they are made of.

Measured with ``time.process_time`` (CPU time of this process, so other work on a shared
machine does not count), over many iterations, best of several rounds. The parts are
measured one at a time, each alone in a loop, so they are cheaper here than inside a
busy event loop (see ``cpu_per_call.py``'s split rows); what they show is where the time
of a call goes, and what a lean connector could still leave out.

    python benchmarks/core_cpu.py            # µs per prepare, per result and per part
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    print("parts (each alone, best of the same rounds):")
    for name, part in parts(core, prepared, response).items():
        print(f"  {name:<58} {best_of(rounds, iterations, part):7.2f} µs")


def parts(core: Core, prepared: Any, response: HttpResponse) -> dict[str, Callable[[], object]]:
    """What ``prepare`` and ``result`` do for a chat, one part each (the same calls the
    core makes, on the same values)."""
    import orjson

    from openai_connector import bounded_json, json_body
    from openai_connector.result import RateLimit, Result, request_id_of
    from openai_connector.usage import Usage

    operation = prepared.operation
    data = prepared.data
    spec = prepared.spec
    content = response.content
    body = orjson.loads(content)
    redactor = core.redactor
    headers = response.headers
    return {
        "validate the input (the operation's pydantic model)": lambda: (
            operation.input.model_validate(PARAMS)
        ),
        "  the same through Core.validate (secret references looked for)": lambda: core.validate(
            operation, PARAMS
        ),
        "build the request (body, features, path, provider)": lambda: operation.request(
            data, core.context
        ),
        "encode the body (orjson, NaN refused)": lambda: json_body.encode(spec.json),
        "the HTTP request (encode, headers, URL)": lambda: core.http_request(spec),
        "decode the answer: orjson alone": lambda: orjson.loads(content),
        "decode the answer: bounded (exact big integers, depth)": lambda: bounded_json.loads(
            content
        ),
        "redaction checks (body and headers)": lambda: (
            redactor.may_hold(content),
            redactor.headers(headers),
        ),
        "usage from the body": lambda: Usage.from_body(body),
        "rate limits, request id": lambda: (
            RateLimit.from_headers(headers),
            request_id_of(headers),
        ),
        "the envelope (Result)": lambda: Result(200, headers, body, None, 1, 0.0),
    }


if __name__ == "__main__":
    main()
