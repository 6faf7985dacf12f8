"""The service benchmark's own logic: its load generator, its CPU reading, its targets."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import time
from pathlib import Path

import aiohttp

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import service_load  # noqa: E402
import service_servers  # noqa: E402

from scripted_server import Reply, ScriptedServer  # noqa: E402

# by its path: "service" alone could name tests/service
_spec = importlib.util.spec_from_file_location("service_benchmark", BENCHMARKS / "service.py")
assert _spec is not None and _spec.loader is not None
service = importlib.util.module_from_spec(_spec)
sys.modules["service_benchmark"] = service  # its dataclasses look their module up
_spec.loader.exec_module(service)


def test_the_load_counts_answers_that_pass_and_failures_apart(server: ScriptedServer) -> None:
    server.default = lambda seen: (
        Reply(json={"text": "the answer"}) if seen.json["n"] == 1 else Reply(status=500)
    )

    async def run(n: int) -> dict[str, object]:
        async with aiohttp.ClientSession() as session:
            command = {
                "url": server.url + "/x",
                "headers": {"Authorization": "Bearer k"},
                "body": {"n": n},
                "workers": 4,
                "seconds": 0.2,
                "expect": "the answer",
            }
            return await service_load.run_load(session, command)

    good = asyncio.run(run(1))
    assert good["calls"] > 0 and good["errors"] == 0
    assert len(good["latencies_ms"]) == good["calls"]  # type: ignore[arg-type]
    assert server.requests[0].headers["authorization"] == "Bearer k"
    bad = asyncio.run(run(2))
    assert bad["calls"] == 0 and bad["errors"] > 0
    assert str(bad["first_error"]).startswith("HTTP 500")


def test_cpu_seconds_grow_with_work_and_are_zero_for_no_process() -> None:
    before = service_servers.cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.1
    while time.process_time() < deadline:
        pass
    assert service_servers.cpu_seconds(os.getpid()) - before >= 0.05
    assert service_servers.cpu_seconds(2**22 + 7) == 0.0


def _contender(name: str, calls_s: float, p50: float, cpu: float) -> service.Contender:
    contender = service.Contender(name, "", {}, {}, 0)
    row = {"calls_s": calls_s, "p50": p50, "p99": p50, "cpu_ms": cpu, "errors": 0.0}
    contender.rounds = {1: [row], 64: [row]}
    return contender


def test_targets_pass_and_fail_on_the_medians_and_say_when_not_measured() -> None:
    nginx = _contender(service.NGINX, 5000, 0.2, 0.02)
    passing = {
        c.name: c
        for c in (
            nginx,
            _contender(service.EXECUTE, 900, 2.1, 1.0),
            _contender(service.GATEWAY, 1000, 2.3, 1.0),
            _contender(service.LITELLM, 100, 20.0, 10.0),
        )
    }
    verdicts = [passed for _, passed, _ in service.targets(passing, 64)]
    assert verdicts == [True, True, False]  # gateway: +2.1 ms over nginx
    del passing[service.LITELLM]
    checks = service.targets(passing, 64)
    assert checks[0][1] is None and checks[0][2] == "not measured"
    assert service.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
